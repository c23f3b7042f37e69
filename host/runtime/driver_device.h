// A Device over any board seen at register level. The board gives the accelerator's control port
// (driver::RegisterBus) and its memory as the host sees it: buffers it allocates, fills and reads
// back (XRT buffer objects, PYNQ's contiguous memory, or a simulator's DRAM). DriverDevice runs a
// program with the register sequence every driver shares (host/driver): the instruction stream goes
// into a device buffer, then start, poll STATUS with a watchdog and a timeout, decode ERROR, read the
// counters. The XRT backend, the SystemC virtual board and the Verilator harness (in the tests) use it.
#pragma once

#include <memory>
#include <span>
#include <string>

#include "host/driver/driver.h"
#include "host/runtime/device.h"

namespace dcoc::runtime {

class Board : public driver::RegisterBus {
 public:
  // Device memory. Addresses are what the accelerator's AXI master uses.
  virtual uint64_t Alloc(uint64_t bytes, uint64_t align) = 0;
  virtual void Write(uint64_t addr, std::span<const uint8_t> bytes) = 0;  // host to device, synced
  virtual void Read(uint64_t addr, std::span<uint8_t> bytes) = 0;         // device to host, synced
  // Lets device time pass between two polls (sleep on a board, clock cycles in a simulation).
  virtual void Idle() = 0;
  // Brings the accelerator back to idle after a run that never finished (deadlock, timeout, cycle
  // bound). Throws when the board cannot do that from the host.
  virtual void Recover() = 0;
};

class DriverDevice final : public Device {
 public:
  // `clock_hz` converts the RTL's cycle counter into seconds.
  DriverDevice(std::string backend, const spec::Spec& s, std::unique_ptr<Board> board, double clock_hz);
  std::string_view Backend() const override { return backend_; }
  const spec::Spec& spec() const override { return spec_; }
  uint64_t Alloc(uint64_t bytes, uint64_t align) override { return board_->Alloc(bytes, align); }
  void Write(uint64_t addr, std::span<const uint8_t> bytes) override { board_->Write(addr, bytes); }
  void Read(uint64_t addr, std::span<uint8_t> bytes) override { board_->Read(addr, bytes); }
  RunStats Run(std::span<const spec::Instruction> insns, const RunOptions& opts) override;

  Board& board() { return *board_; }

 private:
  std::string backend_;
  spec::Spec spec_;
  std::unique_ptr<Board> board_;
  double clock_hz_;
  uint64_t insn_addr_ = 0, insn_capacity_ = 0;  // the device buffer that holds instruction streams
  bool unfinished_ = false;                     // the last run ended before DONE
};

}  // namespace dcoc::runtime
