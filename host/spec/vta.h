// The stock-VTA target. A program for it runs on TVM's VTA as it is: the Xilinx HLS design (the Pynq
// and Ultra96 overlays), the Chisel design (DE10-Nano, tsim) and VTA's C++ functional simulator. It
// uses only instruction forms that all three execute, and execute with the meaning docs/semantics.md
// gives them, so dcoc's executors (fsim, RTL, HLS kernel) and stock VTA compute the same bytes. The
// forms outside that subset, what VTA does with each and why dcoc differs, are listed in
// docs/semantics.md ("Differences from VTA"); the checks here name the rule a program breaks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "host/spec/hw_config.h"
#include "host/spec/isa.h"

namespace dcoc::spec {

// The instruction set a program is compiled for: all of VTA++ (the default), or stock VTA's subset.
enum class Isa : uint8_t { kVtaPlus, kVta };
std::string_view Name(Isa isa);  // "vta++", "vta"
// Throws UsageError naming the value and the choices.
Isa IsaFromName(std::string_view name);

// A shift amount every stock VTA executes alike: an SHR immediate in [-16, 15] (VTA's HLS design
// shifts by the low LOG_ACC_WIDTH = 5 bits of the operand as a signed number, its simulator by the
// whole value), and a tensor SHR source value in [0, 15] (the Chisel design takes the direction of a
// tensor shift from the immediate field's sign, not from the value).
constexpr int64_t kVtaShrImmMin = -16, kVtaShrImmMax = 15;
constexpr int64_t kVtaShrTensorMin = 0, kVtaShrTensorMax = 15;

// Why no stock VTA bitstream has this configuration's instruction set (empty: one can): one block size,
// int8 inputs and weights with int32 accumulators, 32-bit micro-ops whose source field is as wide in
// VTA's simulator as in its hardware, 16-bit SRAM addresses, and every field where VTA's hw_spec.h
// puts it.
std::vector<std::string> VtaConfigProblems(const Spec& s);

// Why stock VTA would not execute `insn` as dcoc does (nullopt: it would). Static rules only; the two
// rules that depend on data are checked while a program runs (sim::Fsim with Isa::kVta): a STORE must
// not read an out-buffer row last written by an ACC load or a GEMM reset, and a tensor SHR's source
// values must lie in [kVtaShrTensorMin, kVtaShrTensorMax].
std::optional<std::string> VtaInsnProblem(const Spec& s, const Instruction& insn);

// VTA's field positions for this configuration (hw_spec.h's structs: C bit-fields packed into 64-bit
// units, a field that would straddle bit 64 starting there), for the comparison VtaConfigProblems makes.
struct VtaFieldSlot {
  Field field;
  int lsb, width;
};
std::vector<VtaFieldSlot> VtaFormatLayout(const Spec& s, Opcode op);

}  // namespace dcoc::spec
