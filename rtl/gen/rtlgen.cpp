#include "rtl/gen/rtlgen.h"

#include <algorithm>
#include <fstream>

#include <fmt/format.h>

#include "host/common/error.h"
#include "host/common/hash.h"
#include "host/spec/counters.h"
#include "host/spec/hw_constants.h"
#include "host/spec/isa.h"
#include "host/spec/program.h"
#include "host/spec/regmap.h"

#ifndef DCOC_RTL_SV_DIR
#error "DCOC_RTL_SV_DIR must name rtl/sv"
#endif

namespace dcoc::rtl {

namespace {

int Log2(int64_t v) {
  int l = 0;
  while ((int64_t(1) << l) < v) ++l;
  return l;
}
int BitsFor(int64_t max_value) {  // bits to hold 0..max_value
  int b = 1;
  while ((int64_t(1) << b) <= max_value) ++b;
  return b;
}

std::string Upper(std::string_view s) {
  std::string u(s);
  for (char& ch : u) ch = char(std::toupper(static_cast<unsigned char>(ch)));
  return u;
}

std::string FieldType(spec::Field f, int width) {
  switch (f) {
    case spec::Field::kOpcode: return "opcode_e";
    case spec::Field::kMemoryType: return "mem_type_e";
    case spec::Field::kAluOpcode: return "alu_op_e";
    default: return width == 1 ? "logic" : fmt::format("logic [{}:0]", width - 1);
  }
}

// A packed struct for one format, MSB first, with reserved gaps named rsvd_<lsb>.
std::string FormatStruct(const spec::Format& fm, std::string_view type_name) {
  std::vector<spec::FieldSlot> f = fm.fields;
  std::sort(f.begin(), f.end(), [](const auto& a, const auto& b) { return a.lsb > b.lsb; });
  std::string s = fmt::format("  // {} format\n  typedef struct packed {{\n", fm.name);
  int next = spec::IsaLayout::kInsnBits;  // bit above the next member
  for (const auto& slot : f) {
    if (slot.msb() + 1 < next) {
      const int w = next - (slot.msb() + 1);
      s += fmt::format("    logic [{}:0] rsvd_{};\n", w - 1, slot.msb() + 1);
    }
    s += fmt::format("    {} {};  // [{}:{}]\n", FieldType(slot.field, slot.width), spec::FieldName(slot.field),
                     slot.msb(), slot.lsb);
    next = slot.lsb;
  }
  if (next > 0) s += fmt::format("    logic [{}:0] rsvd_0;\n", next - 1);
  s += fmt::format("  }} {};\n\n", type_name);
  return s;
}

void CheckBuildable(const spec::Spec& s) {
  const std::pair<const char*, int64_t> depths[] = {
      {"UOP", s.uop_depth}, {"INP", s.inp_depth}, {"WGT", s.wgt_depth}, {"ACC", s.acc_depth}};
  for (const auto& [name, d] : depths)
    if (d < 2)
      throw ConfigError(fmt::format("configuration {}: the RTL needs at least 2 rows in the {} buffer, the "
                                    "configuration gives {}; enlarge LOG_{}_BUFF_SIZE",
                                    s.tag, name, d, name));
  // Every format shares the header layout: fetch decodes opcode and flags from the MEM view.
  for (auto f : {spec::Field::kOpcode, spec::Field::kPopPrev, spec::Field::kPopNext, spec::Field::kPushPrev,
                 spec::Field::kPushNext}) {
    const auto* m = s.isa.mem.Find(f);
    for (const spec::Format* fm : {&s.isa.gemm, &s.isa.alu, &s.isa.finish}) {
      const auto* o = fm->Find(f);
      if (!m || !o || o->lsb != m->lsb || o->width != m->width)
        throw ConfigError(fmt::format("ISA layout: header field {} differs between MEM and {}", spec::FieldName(f), fm->name));
    }
  }
  for (auto f : {spec::Field::kReset, spec::Field::kUopBgn, spec::Field::kUopEnd, spec::Field::kIterOut,
                 spec::Field::kIterIn, spec::Field::kDstFactorOut, spec::Field::kDstFactorIn}) {
    const auto* g = s.isa.gemm.Find(f);
    const auto* a = s.isa.alu.Find(f);
    if (!g || !a || g->lsb != a->lsb || g->width != a->width)
      throw ConfigError(fmt::format("ISA layout: field {} differs between GEMM and ALU", spec::FieldName(f)));
  }
}

}  // namespace

std::filesystem::path RtlSourceDir() { return std::filesystem::path(DCOC_RTL_SV_DIR); }

const std::vector<std::string>& RtlSourceFiles() {
  static const std::vector<std::string> kFiles = {
      "vta_ram_1r1w.sv", "vta_fifo.sv",     "vta_token_queue.sv", "vta_dma_rd.sv",   "vta_axi_rd_arb.sv",
      "vta_mem_bounds.sv",
      "vta_mul_lut.sv",  "vta_mul_pack.sv", "vta_gemm_dp.sv",  "vta_alu_dp.sv",   "vta_fetch.sv",       "vta_load.sv",     "vta_compute.sv",
      "vta_store.sv",    "vta_axil_regs.sv", "vta_core.sv",
  };
  return kFiles;
}

const std::vector<std::string>& RtlIncludeFiles() {
  static const std::vector<std::string> kFiles = {"vta_assert.svh"};
  return kFiles;
}

std::string RtlSourcesHash() {
  Fnv1a64 h;
  std::vector<std::string> files = RtlSourceFiles();
  files.insert(files.end(), RtlIncludeFiles().begin(), RtlIncludeFiles().end());
  for (const std::string& f : files) {
    const std::vector<uint8_t> text = spec::ReadFile(RtlSourceDir() / f);
    h.Update(f);
    h.Update(text);
  }
  return h.HexDigest();
}

std::string DesignHash(const spec::Spec& s) {
  Fnv1a64 h;
  h.Update(PackageSv(s));
  h.Update(TopSv(s));
  h.Update(RtlSourcesHash());
  return h.HexDigest();
}

std::string PackageSv(const spec::Spec& s) {
  CheckBuildable(s);
  const auto& l = s.isa;
  std::string o;
  o += fmt::format(
      "// Generated by dcoc rtl gen for configuration {} -- do not edit.\n"
      "// Every width, depth and field offset of the VTA++ RTL comes from here.\n"
      "package vta_pkg;\n\n",
      s.tag);
  auto p = [&](std::string_view name, int64_t v, std::string_view comment = {}) {
    o += fmt::format("  localparam int unsigned {} = {};{}\n", name, v,
                     comment.empty() ? "" : fmt::format("  // {}", comment));
  };
  o += "  // Datapath\n";
  p("BATCH", s.batch);
  p("BLOCK_IN", s.block_in);
  p("BLOCK_OUT", s.block_out);
  p("INP_WIDTH", s.inp_bits);
  p("WGT_WIDTH", s.wgt_bits);
  p("ACC_WIDTH", s.acc_bits);
  p("OUT_WIDTH", s.out_bits);
  p("LOG_ACC_WIDTH", s.config.log_acc_width);
  o += fmt::format("\n  // GEMM multipliers (GEMM_MAC = {}): product p = (b * BLOCK_OUT + o) * BLOCK_IN + i, or with\n"
                   "  // GEMM_PACK the pair u = (b * BLOCK_OUT / 2 + o / 2) * BLOCK_IN + i of outputs 2k and 2k+1, is on a\n"
                   "  // DSP48 when its index is below GEMM_DSP_UNITS and built from LUTs otherwise\n",
                   spec::Name(s.config.gemm_mac));
  p("GEMM_PACK", s.gemm_pack ? 1 : 0, "two products sharing the input per DSP48");
  p("GEMM_DSP_UNITS", s.gemm_dsp_units, "DSP48 blocks (products, or pairs when packed)");
  o += "\n  // Rows (the unit of SRAM and DRAM addressing of each buffer)\n";
  p("INP_ROW_BITS", int64_t(s.inp_row_bytes) * 8);
  p("WGT_ROW_BITS", int64_t(s.wgt_row_bytes) * 8);
  p("ACC_ROW_BITS", int64_t(s.acc_row_bytes) * 8);
  p("OUT_ROW_BITS", int64_t(s.out_row_bytes) * 8);
  p("UOP_BITS", int64_t(s.uop_bytes) * 8);
  p("LOG_INP_ROW_BYTES", Log2(s.inp_row_bytes));
  p("LOG_WGT_ROW_BYTES", Log2(s.wgt_row_bytes));
  p("LOG_ACC_ROW_BYTES", Log2(s.acc_row_bytes));
  p("LOG_OUT_ROW_BYTES", Log2(s.out_row_bytes));
  p("LOG_UOP_BYTES", Log2(s.uop_bytes));
  o += "\n  // Buffer depths in rows, and row-address widths (the out buffer mirrors the accumulator)\n";
  p("UOP_DEPTH", s.uop_depth);
  p("INP_DEPTH", s.inp_depth);
  p("WGT_DEPTH", s.wgt_depth);
  p("ACC_DEPTH", s.acc_depth);
  p("UOP_ADDR_W", s.log_uop_depth);
  p("INP_ADDR_W", s.log_inp_depth);
  p("WGT_ADDR_W", s.log_wgt_depth);
  p("ACC_ADDR_W", s.log_acc_depth);
  o += "\n  // Memory bus (AXI4 master) and control bus (AXI4-Lite slave)\n";
  p("BUS_WIDTH", s.bus_bits);
  p("BUS_BYTES", s.bus_bytes);
  p("LOG_BUS_BYTES", Log2(s.bus_bytes));
  p("AXI_ADDR_W", spec::kAxiAddrBits);
  p("AXI_ID_W", spec::kAxiIdBits);
  p("AXI_MAX_OUTSTANDING", spec::kAxiMaxOutstanding, "bursts in flight per DMA reader");
  p("AXI_MAX_BURST_BEATS", spec::kAxiMaxBurstBeats);
  p("AXI_BOUNDARY_BYTES", spec::kAxiBoundaryBytes, "no burst crosses this boundary");
  p("AXIL_ADDR_W", spec::kAxilAddrBits);
  p("AXIL_DATA_W", spec::kAxilDataBits);
  o += "\n  // Queues\n";
  p("DEP_QUEUE_DEPTH", s.config.dep_queue_depth);
  p("TOKEN_CNT_W", BitsFor(s.config.dep_queue_depth));
  p("INSN_QUEUE_DEPTH", spec::kInsnQueueDepth);
  o += "\n  // Instruction fields\n";
  p("INSN_BITS", spec::IsaLayout::kInsnBits);
  p("SIZE_W", spec::IsaLayout::kSizeBits);
  p("PAD_W", spec::IsaLayout::kPadBits);
  p("LOOP_W", spec::IsaLayout::kLoopIterBits);
  p("IMM_W", spec::IsaLayout::kImmBits);
  p("DMA_XSIZE_W", spec::kDmaXSizeBits, "the DMA's x size also carries INSN_COUNT");
  o += "\n  // Micro-op word: dst at bit 0, then src, then wgt\n";
  p("UOP_DST_W", l.uop.dst_bits);
  p("UOP_SRC_W", l.uop.src_bits);
  p("UOP_WGT_W", l.uop.wgt_bits);
  o += fmt::format("\n  localparam logic [63:0] CONFIG_HASH = 64'h{:016x};  // FNV-1a of \"{}\"\n\n",
                   s.config_hash, s.tag);

  o += "  typedef enum logic [2:0] {\n    OPCODE_LOAD = 3'd0,\n    OPCODE_STORE = 3'd1,\n    OPCODE_GEMM = 3'd2,\n"
       "    OPCODE_FINISH = 3'd3,\n    OPCODE_ALU = 3'd4\n  } opcode_e;\n\n";
  o += "  typedef enum logic [2:0] {\n    MEM_UOP = 3'd0,\n    MEM_WGT = 3'd1,\n    MEM_INP = 3'd2,\n    MEM_ACC = 3'd3,\n"
       "    MEM_OUT = 3'd4\n  } mem_type_e;\n\n";
  o += "  typedef enum logic [2:0] {\n    ALU_MIN = 3'd0,\n    ALU_MAX = 3'd1,\n    ALU_ADD = 3'd2,\n    ALU_SHR = 3'd3,\n"
       "    ALU_MUL = 3'd4,\n    ALU_CLIP = 3'd5,\n    ALU_MOV = 3'd6\n  } alu_op_e;\n\n";
  o += FormatStruct(l.mem, "mem_insn_t");
  o += FormatStruct(l.gemm, "gemm_insn_t");
  o += FormatStruct(l.alu, "alu_insn_t");
  o += "  // Micro-op word\n  typedef struct packed {\n";
  const int uop_used = l.uop.dst_bits + l.uop.src_bits + l.uop.wgt_bits;
  if (l.uop.word_bits > uop_used) o += fmt::format("    logic [{}:0] rsvd;\n", l.uop.word_bits - uop_used - 1);
  o += fmt::format("    logic [{}:0] wgt;\n    logic [{}:0] src;\n    logic [{}:0] dst;\n  }} uop_t;\n\n",
                   l.uop.wgt_bits - 1, l.uop.src_bits - 1, l.uop.dst_bits - 1);

  o += "  // AXI4-Lite register map (byte offsets), see docs/registers.md\n";
  for (const spec::Register& r : spec::Registers())
    o += fmt::format("  localparam logic [AXIL_ADDR_W-1:0] REG_{} = {}'h{:03x};\n", r.name, spec::kAxilAddrBits,
                     r.offset);
  o += fmt::format("  localparam logic [AXIL_ADDR_W-1:0] COUNTER_BASE = {}'h{:03x};\n", spec::kAxilAddrBits,
                   spec::kCounterBase);
  const auto counters = spec::RtlCounters();
  p("NUM_COUNTERS", int64_t(counters.size()));
  p("CNT_INC_W", spec::kCounterIncBits, "largest per-cycle counter increment: one row of bytes");
  for (size_t i = 0; i < counters.size(); ++i) p("CNT_" + Upper(counters[i].name), int64_t(i));
  o += fmt::format(
      "  localparam int unsigned STATUS_DONE_BIT = {};\n  localparam int unsigned STATUS_RUNNING_BIT = {};\n"
      "  localparam int unsigned STATUS_ERROR_BIT = {};\n  localparam int unsigned ERROR_BAD_INSN_BIT = {};\n"
      "  localparam int unsigned ERROR_FINISH_RACE_BIT = {};\n  localparam int unsigned ERROR_SRAM_BOUNDS_BIT = {};\n",
      Log2(spec::kStatusDone), Log2(spec::kStatusRunning), Log2(spec::kStatusError), Log2(spec::kErrorBadInsn),
      Log2(spec::kErrorFinishRace), Log2(spec::kErrorSramBounds));
  o += "\nendpackage\n";
  return o;
}

namespace {
struct Port {
  const char* dir;
  const char* type;
  const char* name;
};
// The top's ports: AXI4-Lite control slave, AXI4 memory master, DONE interrupt.
const std::vector<Port>& TopPorts() {
  static const std::vector<Port> kPorts = {
      {"input ", "logic", "clk_i"},
      {"input ", "logic", "rst_ni"},
      {"input ", "logic", "s_axil_awvalid_i"},
      {"output", "logic", "s_axil_awready_o"},
      {"input ", "logic [vta_pkg::AXIL_ADDR_W-1:0]", "s_axil_awaddr_i"},
      {"input ", "logic", "s_axil_wvalid_i"},
      {"output", "logic", "s_axil_wready_o"},
      {"input ", "logic [vta_pkg::AXIL_DATA_W-1:0]", "s_axil_wdata_i"},
      {"output", "logic", "s_axil_bvalid_o"},
      {"input ", "logic", "s_axil_bready_i"},
      {"input ", "logic", "s_axil_arvalid_i"},
      {"output", "logic", "s_axil_arready_o"},
      {"input ", "logic [vta_pkg::AXIL_ADDR_W-1:0]", "s_axil_araddr_i"},
      {"output", "logic", "s_axil_rvalid_o"},
      {"input ", "logic", "s_axil_rready_i"},
      {"output", "logic [vta_pkg::AXIL_DATA_W-1:0]", "s_axil_rdata_o"},
      {"output", "logic", "m_axi_arvalid_o"},
      {"input ", "logic", "m_axi_arready_i"},
      {"output", "logic [vta_pkg::AXI_ID_W-1:0]", "m_axi_arid_o"},
      {"output", "logic [vta_pkg::AXI_ADDR_W-1:0]", "m_axi_araddr_o"},
      {"output", "logic [7:0]", "m_axi_arlen_o"},
      {"output", "logic [2:0]", "m_axi_arsize_o"},
      {"output", "logic [1:0]", "m_axi_arburst_o"},
      {"input ", "logic", "m_axi_rvalid_i"},
      {"output", "logic", "m_axi_rready_o"},
      {"input ", "logic [vta_pkg::AXI_ID_W-1:0]", "m_axi_rid_i"},
      {"input ", "logic [vta_pkg::BUS_WIDTH-1:0]", "m_axi_rdata_i"},
      {"input ", "logic", "m_axi_rlast_i"},
      {"output", "logic", "m_axi_awvalid_o"},
      {"input ", "logic", "m_axi_awready_i"},
      {"output", "logic [vta_pkg::AXI_ADDR_W-1:0]", "m_axi_awaddr_o"},
      {"output", "logic [7:0]", "m_axi_awlen_o"},
      {"output", "logic [2:0]", "m_axi_awsize_o"},
      {"output", "logic [1:0]", "m_axi_awburst_o"},
      {"output", "logic", "m_axi_wvalid_o"},
      {"input ", "logic", "m_axi_wready_i"},
      {"output", "logic [vta_pkg::BUS_WIDTH-1:0]", "m_axi_wdata_o"},
      {"output", "logic [vta_pkg::BUS_BYTES-1:0]", "m_axi_wstrb_o"},
      {"output", "logic", "m_axi_wlast_o"},
      {"input ", "logic", "m_axi_bvalid_i"},
      {"output", "logic", "m_axi_bready_o"},
      {"output", "logic", "irq_o"},
  };
  return kPorts;
}
}  // namespace

std::string TopSv(const spec::Spec& s) {
  CheckBuildable(s);
  std::string o = fmt::format(
      "// Generated by dcoc rtl gen for configuration {} -- do not edit.\n"
      "// VTA++ top: AXI4-Lite control slave and AXI4 memory master around vta_core.\n"
      "module vta_top (\n",
      s.tag);
  const auto& ports = TopPorts();
  for (size_t i = 0; i < ports.size(); ++i)
    o += fmt::format("  {} {} {}{}\n", ports[i].dir, ports[i].type, ports[i].name, i + 1 < ports.size() ? "," : "");
  o += ");\n\n  vta_core u_core (\n";
  for (size_t i = 0; i < ports.size(); ++i)
    o += fmt::format("    .{}({}){}\n", ports[i].name, ports[i].name, i + 1 < ports.size() ? "," : "");
  o += "  );\n\nendmodule\n";
  return o;
}

Generated Generate(const spec::Spec& s, const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw Error(fmt::format("cannot create directory {}: {}", dir.string(), ec.message()));
  Generated g;
  g.dir = std::filesystem::absolute(dir);
  g.package = g.dir / "vta_pkg.sv";
  g.top = g.dir / "vta_top.sv";
  g.filelist = g.dir / "vta.f";
  auto write = [](const std::filesystem::path& p, const std::string& text) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) throw Error(fmt::format("cannot write {}", p.string()));
  };
  const std::string pkg = PackageSv(s);
  write(g.package, pkg);
  write(g.top, TopSv(s));
  g.sources.push_back(g.package);
  for (const std::string& f : RtlSourceFiles()) g.sources.push_back(std::filesystem::absolute(RtlSourceDir() / f));
  g.sources.push_back(g.top);
  // Verilator looks for `include files in +incdir+ directories (Yosys also beside the including file).
  std::string list = "+incdir+" + std::filesystem::absolute(RtlSourceDir()).string() + "\n";
  for (const auto& p : g.sources) list += p.string() + "\n";
  write(g.filelist, list);
  return g;
}

}  // namespace dcoc::rtl
