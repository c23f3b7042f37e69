// Quantization (exponents, fusion, shared exponents, rounding bias) and the int8 executor: CPU
// reference against the float model, and every accelerator op on fsim bit-exact against the reference.
#include "host/model/quantize.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "host/model/executor.h"
#include "host/model/float_exec.h"
#include "host/model/onnx_import.h"
#include "host/model/passes.h"
#include "host/model/tasks.h"
#include "host/runtime/backends.h"
#include "tests/model/test_models.h"

namespace dcoc::model {
namespace {

const runtime::Registry& Backends() {
  static const runtime::Registry r = runtime::BuiltinBackends();
  return r;
}

using testing::Bytes;
using testing::RandomTensor;

spec::Spec Preset(std::string_view name) { return spec::Spec::Create(spec::LoadConfig(name)); }

struct Prepared {
  Graph g;
  Calibration cal;
};

Prepared Prepare(const OnnxWriter& w, int samples, uint64_t seed, int64_t batch = 1) {
  Prepared p;
  p.g = ImportOnnx(Bytes(w), "model.onnx", ImportOptions{batch});
  (void)PrepareForQuantization(p.g);
  std::vector<std::vector<Tensor>> in;
  for (int i = 0; i < samples; ++i) in.push_back({RandomTensor(p.g.values[size_t(p.g.inputs[0])].shape, seed + i)});
  p.cal = Calibrate(p.g, in);
  return p;
}

TEST(Quantize, ExponentAndRounding) {
  EXPECT_EQ(Exponent(1.0, 127), 6);   // 1.0 * 64 = 64 <= 127 < 128
  EXPECT_EQ(Exponent(1.99, 127), 5);  // 1.99 * 64 > 127
  EXPECT_EQ(Exponent(127.0, 127), 0);
  EXPECT_EQ(Exponent(1000.0, 127), -3);
  EXPECT_EQ(Exponent(0.0, 127), 0);
  EXPECT_EQ(QuantizeValue(0.3f, 4, -128, 127), 5);  // 4.8 -> 5
  EXPECT_EQ(QuantizeValue(-0.3f, 4, -128, 127), -5);
  EXPECT_EQ(QuantizeValue(100.0f, 4, -128, 127), 127);
}

TEST(Quantize, OpsFusionAndSharedExponents) {
  const Prepared p = Prepare(testing::SmallCnn(), 4, 10);
  const spec::Spec sp = Preset("default");
  const QModel q = Quantize(p.g, p.cal, sp);
  std::vector<std::string> kinds;
  for (const QOp& op : q.ops) kinds.push_back(std::string(Name(op.kind)));
  EXPECT_THAT(kinds, ::testing::ElementsAre("conv", "maxpool", "conv", "add", "conv", "conv", "avgpool", "reshape",
                                            "conv", "float"));
  const QOp& conv1 = q.ops[0];
  EXPECT_EQ(conv1.name, "conv1+bn1+relu1");
  EXPECT_EQ(conv1.conv.epilogue.clip_lo, 0);  // the fused ReLU
  EXPECT_EQ(conv1.conv.epilogue.clip_hi, 127);
  // Rounding: the bias carries half of the shift's unit.
  const int shift = conv1.conv.epilogue.shift;
  ASSERT_GT(shift, 0);
  const QOp& add = q.ops[3];
  EXPECT_EQ(add.name, "add2+relu2");
  // Both inputs of the Add share an exponent: the maxpool's output and conv2's output.
  EXPECT_EQ(q.values[size_t(add.inputs[0])].frac, q.values[size_t(add.inputs[1])].frac);
  // A max-pool passes its input's exponent through.
  EXPECT_EQ(q.values[size_t(q.ops[1].inputs[0])].frac, q.values[size_t(q.ops[1].output)].frac);
  // ReLU6 fused into the depthwise conv: clamp at round(6 * 2^frac), within the int8 range.
  const QOp& dw = q.ops[4];
  EXPECT_EQ(dw.conv.kind, compiler::ConvKind::kDepthwise);
  const int fy = q.values[size_t(dw.output)].frac;
  EXPECT_EQ(*dw.conv.epilogue.clip_hi, std::min(127, int(std::lround(std::ldexp(6.0, fy)))));
  EXPECT_EQ(q.ops[5].conv.kind, compiler::ConvKind::kDepthwise);  // the standalone BatchNorm
  EXPECT_EQ(q.ops[8].conv.kind, compiler::ConvKind::kDense);
  EXPECT_EQ(q.ops[9].cpu_reason, "Softmax is not an accelerator op");
  EXPECT_TRUE(q.values[size_t(q.outputs[0])].is_float);
}

TEST(Quantize, Int8CpuReferenceTracksTheFloatModel) {
  const Prepared p = Prepare(testing::SmallCnn(), 8, 20);
  const spec::Spec sp = Preset("default");
  for (WeightGranularity gran : {WeightGranularity::kPerTensor, WeightGranularity::kPerChannel}) {
    const QModel q = Quantize(p.g, p.cal, sp, QuantOptions{gran});
    Executor cpu(q, sp);
    int agree = 0;
    double worst = 0;
    for (int i = 0; i < 8; ++i) {
      const Tensor x = RandomTensor({1, 3, 16, 16}, 20 + uint64_t(i));
      const Tensor f = RunFloat(p.g, std::vector<Tensor>{x})[0];
      const Tensor y = cpu.Run(std::vector<Tensor>{x})[0];
      worst = std::max(worst, MaxAbsDiff(f, y));
      auto argmax = [](const Tensor& t) { return std::max_element(t.data.begin(), t.data.end()) - t.data.begin(); };
      agree += argmax(f) == argmax(y);
    }
    EXPECT_LT(worst, 0.1) << "probabilities drift";
    EXPECT_GE(agree, 7);
  }
}

TEST(Executor, EveryAcceleratorOpBitExactOnFsim) {
  const Prepared p = Prepare(testing::SmallCnn(1, 13, true), 2, 30, 3);
  for (const char* cfg : {"default", "1x8x8", "2x16x32"}) {
    const spec::Spec sp = Preset(cfg);
    const QModel q = Quantize(p.g, p.cal, sp);
    Executor cpu(q, sp);
    ExecOptions o;
    o.backend = "fsim";
    o.backends = &Backends();
    Executor dev(q, sp, o);
    const Tensor x = RandomTensor({3, 3, 16, 16}, 31);
    const Tensor want = cpu.Run(std::vector<Tensor>{x})[0];
    std::vector<OpRecord> recs;
    const Tensor got = dev.Run(std::vector<Tensor>{x}, &recs)[0];
    EXPECT_EQ(got.data, want.data) << cfg;
    int on_device = 0;
    for (const OpRecord& r : recs) {
      EXPECT_EQ(r.mismatches, 0) << r.name << " on " << cfg;
      on_device += r.on_device;
      if (r.kind == QKind::kConv || r.kind == QKind::kAdd || r.kind == QKind::kMaxPool || r.kind == QKind::kAvgPool) {
        EXPECT_TRUE(r.on_device) << r.name << ": " << r.cpu_reason;
      }
    }
    EXPECT_EQ(on_device, 8) << cfg;
  }
}

TEST(Executor, OpsTheConfigurationCannotHoldFallBackToTheCpuAndSaySo) {
  // A 16x16 global average pool's window (256 rows) does not fit the "min" configuration's accumulator
  // buffer, so the pool runs on the CPU and the record says why.
  OnnxWriter w("gap");
  w.Input("x", {1, 16, 16, 16});
  w.Node("GlobalAveragePool", {"x"}, {"y"}, "gap");
  w.Output("y");
  const Prepared p = Prepare(w, 1, 40);
  const spec::Spec sp = Preset("min");
  const QModel q = Quantize(p.g, p.cal, sp);
  ExecOptions o;
  o.backend = "fsim";
  o.backends = &Backends();
  Executor dev(q, sp, o);
  std::vector<OpRecord> recs;
  (void)dev.Run(std::vector<Tensor>{RandomTensor({1, 16, 16, 16}, 41)}, &recs);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_FALSE(recs[0].on_device);
  EXPECT_THAT(recs[0].cpu_reason, ::testing::AllOf(::testing::HasSubstr("not offloadable on 1x16_i8w8a32_7_13_13_13"),
                                                   ::testing::HasSubstr("does not fit")));
}

TEST(Tasks, UniqueLayersWithCounts) {
  OnnxWriter w("twins");
  w.Input("x", {1, 16, 8, 8});
  for (int i = 0; i < 3; ++i) {
    const std::string in = i == 0 ? "x" : "y" + std::to_string(i - 1);
    w.Initializer("w" + std::to_string(i), RandomTensor({16, 16, 3, 3}, uint64_t(i)));
    w.Node("Conv", {in, "w" + std::to_string(i)}, {"y" + std::to_string(i)}, "conv" + std::to_string(i),
           {{"pads", std::vector<int64_t>{1, 1, 1, 1}}});
  }
  w.Output("y2");
  const Prepared p = Prepare(w, 1, 50);
  const QModel q = Quantize(p.g, p.cal, Preset("default"));
  const std::vector<Task> t = ExtractTasks(q, "twins");
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].count, 3);
  EXPECT_EQ(t[0].name, "twins.conv0");
  EXPECT_EQ(t[0].key, "conv2d 1,16,8,8,16,3,3 s1x1 p1x1");
  EXPECT_EQ(ToJson(t[0])["conv"], "1,16,8,8,16,3,3,1,1");
}

}  // namespace
}  // namespace dcoc::model
