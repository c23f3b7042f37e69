// The stock-VTA target's rules (host/spec/vta.h) and memory type ACC_8BIT in the ISA.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "host/common/error.h"
#include "host/spec/hw_config.h"
#include "host/spec/isa.h"
#include "host/spec/routing.h"
#include "host/spec/vta.h"

namespace dcoc::spec {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

Spec Preset(std::string_view name) { return Spec::Create(LoadConfig(name)); }

Instruction Load(MemType m, uint64_t y, uint64_t x) {
  Instruction i;
  i.opcode = Opcode::kLoad;
  i.memory_type = m;
  i.y_size = y;
  i.x_size = x;
  i.x_stride = x;
  return i;
}

Instruction Alu(AluOp op, std::optional<int64_t> imm) {
  Instruction i;
  i.opcode = Opcode::kAlu;
  i.alu_opcode = op;
  i.uop_end = 1;
  i.iter_out = i.iter_in = 1;
  i.use_imm = imm.has_value();
  i.imm = imm.value_or(0);
  return i;
}

TEST(Isa, Names) {
  EXPECT_EQ(Name(Isa::kVta), "vta");
  EXPECT_EQ(Name(Isa::kVtaPlus), "vta++");
  EXPECT_EQ(IsaFromName("vta"), Isa::kVta);
  EXPECT_EQ(IsaFromName("vta++"), Isa::kVtaPlus);
  try {
    (void)IsaFromName("stock");
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr("\"stock\""), HasSubstr("vta++"), HasSubstr("vta")));
  }
}

TEST(Acc8Bit, EncodesRoutesAndSizesLikeVta) {
  const Spec s = Preset("default");
  Instruction i = Load(MemType::kAcc8, 2, 3);
  i.sram_base = 7;
  i.dram_base = 100;
  const Word128 w = Encode(s.isa, i);
  EXPECT_EQ(w.Get(7, 3), 5u);  // VTA_MEM_ID_ACC_8BIT
  EXPECT_EQ(Decode(s.isa, w), i);
  EXPECT_EQ(RouteOf(i), Module::kCompute);
  EXPECT_EQ(Name(MemType::kAcc8), "ACC_8BIT");
  EXPECT_EQ(MemTypeFromName("ACC_8BIT"), MemType::kAcc8);
  EXPECT_EQ(s.RowBytes(MemType::kAcc8), 16);  // BATCH x BLOCK_OUT int8 values
  EXPECT_EQ(Preset("2x16x32").RowBytes(MemType::kAcc8), 64);
  EXPECT_THAT(Disassemble(s.isa, i), HasSubstr("LOAD   ACC_8BIT"));
  Instruction store = i;
  store.opcode = Opcode::kStore;
  EXPECT_EQ(RouteOf(store), std::nullopt);  // STORE reads only OUT
}

// Field positions from VTA's hw_spec.h structs for the default configuration (DESIGN.md's layout).
TEST(VtaLayout, DefaultConfigurationMatchesHwSpec) {
  const Spec s = Preset("default");
  auto at = [&](Opcode op, Field f) {
    for (const VtaFieldSlot& v : VtaFormatLayout(s, op))
      if (v.field == f) return std::pair{v.lsb, v.width};
    return std::pair{-1, -1};
  };
  EXPECT_EQ(at(Opcode::kLoad, Field::kSramBase), std::pair(10, 16));
  EXPECT_EQ(at(Opcode::kLoad, Field::kDramBase), std::pair(26, 32));
  EXPECT_EQ(at(Opcode::kLoad, Field::kYSize), std::pair(64, 16));
  EXPECT_EQ(at(Opcode::kLoad, Field::kXPad1), std::pair(124, 4));
  EXPECT_EQ(at(Opcode::kGemm, Field::kUopBgn), std::pair(8, 13));
  EXPECT_EQ(at(Opcode::kGemm, Field::kIterIn), std::pair(49, 14));
  EXPECT_EQ(at(Opcode::kGemm, Field::kDstFactorOut), std::pair(64, 11));
  EXPECT_EQ(at(Opcode::kAlu, Field::kAluOpcode), std::pair(108, 3));
  EXPECT_EQ(at(Opcode::kAlu, Field::kImm), std::pair(112, 16));
  EXPECT_THAT(VtaConfigProblems(s), IsEmpty());
}

TEST(VtaConfig, PresetsStockVtaHasAndWhyNot) {
  EXPECT_THAT(VtaConfigProblems(Preset("1x8x8")), IsEmpty());
  EXPECT_THAT(VtaConfigProblems(Preset("1x32x32")), IsEmpty());
  const auto has = [](const Spec& s, std::string_view what) {
    for (const std::string& p : VtaConfigProblems(s))
      if (p.find(what) != std::string::npos) return true;
    return false;
  };
  EXPECT_TRUE(has(Preset("2x16x32"), "BLOCK_IN = 16 and BLOCK_OUT = 32 differ"));
  EXPECT_TRUE(has(Preset("1x64x64"), "input and accumulator buffers hold 1024 and 512 rows"));
  HwConfig wide;
  wide.log_inp_width = 4;
  wide.log_wgt_width = 4;
  EXPECT_TRUE(has(Spec::Create(wide), "16, 16 and 32 bits"));
  HwConfig deep = LoadConfig("1x8x8");  // 2048 accumulator and weight rows: a 33-bit micro-op
  deep.log_inp_buff_size = 13;
  deep.log_wgt_buff_size = 17;
  EXPECT_TRUE(has(Spec::Create(deep), "the micro-op needs 33 bits (dst 11 + src 11 + wgt 11): VTA's is 32 bits"));
  // A small micro-op buffer lets VTA's bit-fields start dst_factor_out below bit 64; dcoc does not.
  HwConfig small_uop;
  small_uop.log_uop_buff_size = 7;
  EXPECT_TRUE(has(Spec::Create(small_uop), "GEMM field dst_factor_out is [74:64] here, [57:47] in VTA's hw_spec.h"));
}

TEST(VtaInsn, SubsetPassesUnchanged) {
  const Spec s = Preset("default");
  Instruction inp = Load(MemType::kInp, 3, 4);
  inp.y_pad_0 = inp.x_pad_1 = 1;  // zero padding of inputs
  EXPECT_EQ(VtaInsnProblem(s, inp), std::nullopt);
  EXPECT_EQ(VtaInsnProblem(s, Load(MemType::kWgt, 2, 5)), std::nullopt);
  EXPECT_EQ(VtaInsnProblem(s, Load(MemType::kAcc, 2, 5)), std::nullopt);
  EXPECT_EQ(VtaInsnProblem(s, Load(MemType::kUop, 1, 9)), std::nullopt);
  EXPECT_EQ(VtaInsnProblem(s, Load(MemType::kUop, 0, 0)), std::nullopt);  // token-only
  EXPECT_EQ(VtaInsnProblem(s, Load(MemType::kInp, 3, 0)), std::nullopt);
  for (AluOp op : {AluOp::kMin, AluOp::kMax, AluOp::kAdd}) {
    EXPECT_EQ(VtaInsnProblem(s, Alu(op, 7)), std::nullopt);
    EXPECT_EQ(VtaInsnProblem(s, Alu(op, std::nullopt)), std::nullopt);
  }
  EXPECT_EQ(VtaInsnProblem(s, Alu(AluOp::kShr, -16)), std::nullopt);
  EXPECT_EQ(VtaInsnProblem(s, Alu(AluOp::kShr, 15)), std::nullopt);
  EXPECT_EQ(VtaInsnProblem(s, Alu(AluOp::kShr, std::nullopt)), std::nullopt);
  Instruction gemm;
  gemm.opcode = Opcode::kGemm;
  gemm.reset = true;
  gemm.uop_end = gemm.iter_out = gemm.iter_in = 1;
  EXPECT_EQ(VtaInsnProblem(s, gemm), std::nullopt);
}

TEST(VtaInsn, FormsThatDifferAreNamed) {
  const Spec s = Preset("default");
  auto why = [&](const Instruction& i) { return VtaInsnProblem(s, i).value_or("(accepted)"); };
  EXPECT_THAT(why(Alu(AluOp::kClip, 127)), HasSubstr("CLIP is VTA++ only"));
  EXPECT_THAT(why(Alu(AluOp::kMov, std::nullopt)), HasSubstr("MOV is VTA++ only"));
  EXPECT_THAT(why(Alu(AluOp::kMul, 3)), HasSubstr("MUL runs only in VTA's C++ simulator"));
  Instruction reset = Alu(AluOp::kAdd, 1);
  reset.reset = true;
  EXPECT_THAT(why(reset), HasSubstr("VTA ignores reset on ALU instructions and runs the op"));
  EXPECT_THAT(why(Alu(AluOp::kShr, 16)), HasSubstr("SHR by the immediate 16, outside [-16, 15]"));
  EXPECT_THAT(why(Alu(AluOp::kShr, -17)), HasSubstr("outside [-16, 15]"));
  Instruction tensor_shr = Alu(AluOp::kShr, std::nullopt);
  tensor_shr.imm = -1;
  EXPECT_THAT(why(tensor_shr), HasSubstr("Chisel design shifts left"));
  Instruction empty = Alu(AluOp::kAdd, 1);
  empty.iter_in = 0;
  EXPECT_THAT(why(empty), HasSubstr("with no work"));
  Instruction min_pad = Load(MemType::kInp, 2, 2);
  min_pad.x_pad_0 = 1;
  min_pad.pad_min = true;
  EXPECT_THAT(why(min_pad), HasSubstr("min-value padding (pad_min) is VTA++ only"));
  Instruction zero_pad = Load(MemType::kInp, 0, 4);
  zero_pad.y_pad_0 = 2;
  EXPECT_THAT(why(zero_pad), HasSubstr("a zero-size LOAD with padding"));
  EXPECT_THAT(why(Load(MemType::kInp, 0, 4)), HasSubstr("must have x_size = 0"));
  EXPECT_THAT(why(Load(MemType::kUop, 2, 4)), HasSubstr("a LOAD UOP must be one run"));
  Instruction wgt_pad = Load(MemType::kWgt, 2, 2);
  wgt_pad.y_pad_1 = 1;
  EXPECT_THAT(why(wgt_pad), HasSubstr("a padded LOAD WGT"));
  Instruction acc_pad = Load(MemType::kAcc, 2, 2);
  acc_pad.x_pad_0 = 3;
  EXPECT_THAT(why(acc_pad), HasSubstr("a padded LOAD ACC"));
  EXPECT_THAT(why(Load(MemType::kAcc8, 1, 1)), HasSubstr("ACC_8BIT exists only in VTA's C++ simulator"));
}

}  // namespace
}  // namespace dcoc::spec
