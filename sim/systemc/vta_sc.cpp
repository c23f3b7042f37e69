#include "sim/systemc/vta_sc.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

namespace dcoc::sim {

using sc_core::sc_time;

// ---- DRAM target --------------------------------------------------------------------------------------

DramSc::DramSc(sc_core::sc_module_name name, std::vector<uint8_t>& storage, const ScTiming& timing, int bus_bytes)
    : sc_module(name), socket("socket"), mem_(storage), timing_(timing), bus_bytes_(bus_bytes) {
  socket.register_b_transport(this, &DramSc::BTransport);
}

void DramSc::BTransport(tlm::tlm_generic_payload& gp, sc_time& delay) {
  const uint64_t addr = gp.get_address();
  const uint64_t len = gp.get_data_length();
  uint8_t* data = gp.get_data_ptr();
  const uint64_t size = mem_.size();
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
  if (gp.is_read()) {
    // Beat by beat: a beat that starts inside the memory is served (its bytes past the end read as
    // zero), one that starts outside is an error.
    for (uint64_t b = 0; b < len; b += uint64_t(bus_bytes_)) {
      const uint64_t n = std::min<uint64_t>(uint64_t(bus_bytes_), len - b);
      std::memset(data + b, 0, size_t(n));
      if (addr + b >= size) {
        gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        break;
      }
      std::memcpy(data + b, mem_.data() + addr + b, size_t(std::min(n, size - (addr + b))));
    }
  } else {
    const uint8_t* be = gp.get_byte_enable_ptr();
    const uint64_t be_len = gp.get_byte_enable_length();
    for (uint64_t i = 0; i < len; ++i) {
      if (be && be_len && be[i % be_len] == 0) continue;
      if (addr + i >= size) {
        gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        gp.set_address(addr + i);  // the first byte outside, for the error message
        break;
      }
      mem_[size_t(addr + i)] = data[i];
    }
  }
  // Timing (loosely timed): the DRAM channel moves each burst's bytes at the DRAM bandwidth, one burst
  // after the other in arrival order (reads and writes share it); the latency comes on top, from the
  // burst's turn on the channel to its first read beat or to its write response.
  const sc_time arrival = sc_core::sc_time_stamp() + delay;
  const sc_time transfer =
      timing_.bytes_per_second > 0 ? sc_time(double(len) / timing_.bytes_per_second, sc_core::SC_SEC) : sc_time();
  const sc_time turn = std::max(arrival, free_at_);
  free_at_ = turn + transfer;
  delay += (turn - arrival) + (gp.is_read() ? timing_.read_latency : timing_.write_latency);
}

// ---- VTA++ with its AXI bridges -----------------------------------------------------------------------

VtaSc::VtaSc(sc_core::sc_module_name name, const spec::Spec& s, std::unique_ptr<VtaModel> model,
             const ScTiming& timing)
    : sc_module(name), clk("clk"), ctrl("ctrl"), mem("mem"), spec_(s), model_(std::move(model)), timing_(timing) {
  ctrl.register_b_transport(this, &VtaSc::CtrlTransport);
  SC_METHOD(OnClock);
  sensitive << clk.pos();
  dont_initialize();
}

VtaSc::~VtaSc() { model_->CloseTrace(); }

uint64_t VtaSc::Cycles(const sc_time& t) const {
  const sc_time period(1.0 / timing_.clock_mhz, sc_core::SC_US);
  const uint64_t p = period.value(), v = t.value();
  return (v + p - 1) / p;
}

void VtaSc::CtrlTransport(tlm::tlm_generic_payload& gp, sc_time&) {
  if (gp.get_data_length() != 4) {
    gp.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    return;
  }
  LiteRequest req;
  req.write = gp.is_write();
  req.offset = uint32_t(gp.get_address());
  if (req.write) std::memcpy(&req.value, gp.get_data_ptr(), 4);
  lite_ = &req;
  wait(lite_done_);  // OnClock drives the AXI4-Lite handshakes and notifies when the response is in
  lite_ = nullptr;
  if (!req.write) std::memcpy(gp.get_data_ptr(), &req.value, 4);
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

// The control port's pins for the access in flight (the harness's WriteReg/ReadReg sequence).
void VtaSc::DriveLite() {
  VtaPins& p = pins_;
  p.s_axil_awvalid = p.s_axil_wvalid = p.s_axil_arvalid = 0;
  p.s_axil_bready = p.s_axil_rready = 0;
  if (!lite_ || lite_->phase == 2) return;
  if (lite_->write) {
    p.s_axil_awvalid = p.s_axil_wvalid = lite_->phase == 0;
    p.s_axil_awaddr = lite_->offset;
    p.s_axil_wdata = lite_->value;
    p.s_axil_bready = 1;
  } else {
    p.s_axil_arvalid = lite_->phase == 0;
    p.s_axil_araddr = lite_->offset;
    p.s_axil_rready = 1;
  }
}

// Advances the access on this edge's handshakes (pins as the model left them with the clock low).
void VtaSc::FinishLite() {
  const VtaPins& p = pins_;
  if (!lite_ || lite_->phase == 2) return;
  if (lite_->write) {
    if (lite_->phase == 0 && p.s_axil_awready && p.s_axil_wready) {
      lite_->phase = 1;
    } else if (lite_->phase == 1 && p.s_axil_bvalid) {
      lite_->phase = 2;
      lite_done_.notify(sc_core::SC_ZERO_TIME);
    }
  } else {
    if (lite_->phase == 0 && p.s_axil_arready) {
      lite_->phase = 1;
    } else if (lite_->phase == 1 && p.s_axil_rvalid) {
      lite_->value = p.s_axil_rdata;
      lite_->phase = 2;
      lite_done_.notify(sc_core::SC_ZERO_TIME);
    }
  }
}

void VtaSc::IssueRead(uint64_t addr, int beats, uint8_t id) {
  const uint64_t bus = uint64_t(spec_.bus_bytes);
  ReadBurst r;
  r.beats = beats;
  r.id = id;
  r.data.resize(size_t(beats) * bus);
  tlm::tlm_generic_payload gp;
  gp.set_command(tlm::TLM_READ_COMMAND);
  gp.set_address(addr);
  gp.set_data_ptr(r.data.data());
  gp.set_data_length(uint32_t(r.data.size()));
  gp.set_streaming_width(uint32_t(r.data.size()));
  sc_time delay = sc_core::SC_ZERO_TIME;
  mem->b_transport(gp, delay);
  if (gp.is_response_error() && error_.empty())
    error_ = fmt::format("the RTL read DRAM bytes in [{:#x}, {:#x}) (AXI ID {}), outside the device memory", addr,
                         addr + r.data.size(), id);
  r.ready_cycle = cycle_ + Cycles(delay);
  reads_.push_back(std::move(r));
}

void VtaSc::IssueWrite(WriteBurst& w) {
  tlm::tlm_generic_payload gp;
  gp.set_command(tlm::TLM_WRITE_COMMAND);
  gp.set_address(w.addr);
  gp.set_data_ptr(w.data.data());
  gp.set_data_length(uint32_t(w.data.size()));
  gp.set_streaming_width(uint32_t(w.data.size()));
  gp.set_byte_enable_ptr(w.enable.data());
  gp.set_byte_enable_length(uint32_t(w.enable.size()));
  sc_time delay = sc_core::SC_ZERO_TIME;
  mem->b_transport(gp, delay);
  if (gp.is_response_error() && error_.empty())
    error_ = fmt::format("the RTL wrote DRAM byte {:#x}, outside the device memory", gp.get_address());
  bresp_.push_back(cycle_ + Cycles(delay));
}

// A failed RTL assertion (rtl/sv/vta_assert.svh) is the bridge's error, named, with the cycle.
void VtaSc::RecordAssertions() {
  const std::vector<AssertionFailure> f = model_->TakeAssertionFailures();
  pins_.assert_failed = 0;
  if (!f.empty() && error_.empty())
    error_ = fmt::format("cycle {}: RTL assertion {} failed in {}", cycle_, f.front().name, f.front().scope);
}

// One clock cycle, as the harness's Tick: the bridges drive their side from their state, the model
// settles with the clock low, the handshakes visible then take place at the rising edge.
void VtaSc::OnClock() {
  VtaPins& p = pins_;
  const uint64_t bus = uint64_t(spec_.bus_bytes);
  if (reset_cycles_ > 0) {
    pins_ = VtaPins{};
    reads_.clear();
    writes_.clear();
    bresp_.clear();
    --reset_cycles_;
    model_->Step(false, p);
    model_->Step(true, p);
    p.rst_n = reset_cycles_ == 0;
    ++cycle_;
    return;
  }
  p.rst_n = 1;
  DriveLite();
  p.m_axi_arready = reads_.size() < size_t(timing_.max_outstanding_reads);
  const bool rvalid = !reads_.empty() && reads_.front().ready_cycle <= cycle_ && cycle_ >= next_beat_cycle_;
  p.m_axi_rvalid = rvalid;
  p.m_axi_rlast = 0;
  if (rvalid) {
    const ReadBurst& r = reads_.front();
    p.m_axi_rid = r.id;
    p.m_axi_rlast = r.next + 1 == r.beats;
    std::memset(p.m_axi_rdata.data(), 0, sizeof(p.m_axi_rdata));
    std::memcpy(p.m_axi_rdata.data(), r.data.data() + size_t(r.next) * bus, size_t(bus));
  }
  p.m_axi_awready = writes_.size() < 8;
  p.m_axi_wready = !writes_.empty();
  p.m_axi_bvalid = !bresp_.empty() && bresp_.front() <= cycle_;

  model_->Step(false, p);
  if (model_->Tracing()) model_->Dump(2 * cycle_);
  if (p.assert_failed) RecordAssertions();

  const bool ar_hs = p.m_axi_arvalid && p.m_axi_arready;
  const bool r_hs = p.m_axi_rvalid && p.m_axi_rready;
  const bool aw_hs = p.m_axi_awvalid && p.m_axi_awready;
  const bool w_hs = p.m_axi_wvalid && p.m_axi_wready;
  const bool b_hs = p.m_axi_bvalid && p.m_axi_bready;
  const uint64_t ar_addr = p.m_axi_araddr & ~(bus - 1), aw_addr = p.m_axi_awaddr & ~(bus - 1);
  const int ar_beats = int(p.m_axi_arlen) + 1, aw_beats = int(p.m_axi_awlen) + 1;
  const uint8_t ar_id = p.m_axi_arid;
  FinishLite();
  if (w_hs) {
    WriteBurst& w = writes_.front();
    const auto* src = reinterpret_cast<const uint8_t*>(p.m_axi_wdata.data());
    for (uint64_t b = 0; b < bus; ++b) {
      w.data[size_t(uint64_t(w.next) * bus + b)] = src[b];
      w.enable[size_t(uint64_t(w.next) * bus + b)] = ((p.m_axi_wstrb >> b) & 1) ? 0xff : 0x00;
    }
    if (bool(p.m_axi_wlast) != (w.next + 1 == w.beats) && error_.empty())
      error_ = fmt::format("AXI protocol: WLAST={} on beat {} of a {}-beat burst", int(p.m_axi_wlast), w.next + 1, w.beats);
    if (++w.next == w.beats) {
      IssueWrite(w);
      writes_.pop_front();
    }
  }

  model_->Step(true, p);
  if (model_->Tracing()) model_->Dump(2 * cycle_ + 1);
  if (p.assert_failed) RecordAssertions();

  if (r_hs) {
    ReadBurst& r = reads_.front();
    next_beat_cycle_ = cycle_ + uint64_t(timing_.beat_interval);
    if (++r.next == r.beats) reads_.pop_front();
  }
  if (ar_hs) IssueRead(ar_addr, ar_beats, ar_id);
  if (aw_hs) {
    WriteBurst w;
    w.addr = aw_addr;
    w.beats = aw_beats;
    w.data.assign(size_t(aw_beats) * bus, 0);
    w.enable.assign(w.data.size(), 0);
    writes_.push_back(std::move(w));
  }
  if (b_hs) bresp_.pop_front();
  ++cycle_;
}

// ---- host ---------------------------------------------------------------------------------------------

HostSc::HostSc(sc_core::sc_module_name name) : sc_module(name), bus("bus") { SC_THREAD(Main); }

void HostSc::Post(bool write, uint32_t offset, uint32_t value) {
  write_ = write;
  offset_ = offset;
  value_ = value;
  done_ = false;
  error_.clear();
  request_.notify(sc_core::SC_ZERO_TIME);
}

void HostSc::Main() {
  for (;;) {
    wait(request_);
    tlm::tlm_generic_payload gp;
    gp.set_command(write_ ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    gp.set_address(offset_);
    gp.set_data_ptr(reinterpret_cast<unsigned char*>(&value_));
    gp.set_data_length(4);
    gp.set_streaming_width(4);
    sc_time delay = sc_core::SC_ZERO_TIME;
    bus->b_transport(gp, delay);
    if (gp.is_response_error()) error_ = gp.get_response_string();
    done_ = true;
    sc_core::sc_pause();
  }
}

}  // namespace dcoc::sim
