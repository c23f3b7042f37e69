// The float executor against ONNX's own expected outputs (libonnx-testdata): every test whose ops dcoc
// supports must match within float tolerance; every other test must be refused with a ModelError.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>

#include "host/model/errors.h"
#include "host/model/float_exec.h"
#include "host/model/onnx_import.h"
#include "host/model/passes.h"
#include "tests/model/test_models.h"

namespace dcoc::model {
namespace {

namespace fs = std::filesystem;

struct SuiteResult {
  std::set<std::string> matched, refused;
  std::vector<std::string> failures;
  int data_sets = 0;
};

// |got - want| <= 1e-5 + 1e-3 |want| for every element (ONNX's backend tests use rtol 1e-3).
std::string Compare(const Tensor& got, const Tensor& want) {
  if (got.data.size() != want.data.size())
    return fmt::format("{} values, expected {}", got.data.size(), want.data.size());
  for (size_t i = 0; i < got.data.size(); ++i) {
    const double g = got.data[i], w = want.data[i];
    if (g != w && !(std::fabs(g - w) <= 1e-5 + 1e-3 * std::fabs(w)))
      return fmt::format("element {}: {} vs {}", i, g, w);
  }
  return "";
}

SuiteResult RunSuite(const fs::path& dir) {
  SuiteResult r;
  std::vector<fs::path> tests;
  for (const auto& e : fs::directory_iterator(dir))
    if (fs::is_regular_file(e.path() / "model.onnx")) tests.push_back(e.path());
  std::sort(tests.begin(), tests.end());
  for (const fs::path& t : tests) {
    const std::string name = t.filename().string();
    Graph g;
    try {
      g = LoadOnnx(t / "model.onnx");
    } catch (const ModelError&) {
      r.refused.insert(name);
      continue;
    }
    for (const auto& ds : fs::directory_iterator(t)) {
      if (!ds.is_directory()) continue;
      std::vector<Tensor> in;
      for (size_t i = 0; i < g.inputs.size(); ++i)
        in.push_back(LoadTensorProto(ds.path() / fmt::format("input_{}.pb", i)));
      const std::vector<Tensor> out = RunFloat(g, in);
      // The graph after BatchNormalization folding computes the same function.
      Graph folded = g;
      (void)PrepareForQuantization(folded);
      const std::vector<Tensor> out2 = RunFloat(folded, in);
      for (size_t i = 0; i < out.size(); ++i) {
        const Tensor want = LoadTensorProto(ds.path() / fmt::format("output_{}.pb", i));
        if (std::string e = Compare(out[i], want); !e.empty())
          r.failures.push_back(fmt::format("{}/{} output {}: {}", name, ds.path().filename().string(), i, e));
        if (std::string e = Compare(out2[i], want); !e.empty())
          r.failures.push_back(
              fmt::format("{}/{} output {} after folding: {}", name, ds.path().filename().string(), i, e));
      }
      ++r.data_sets;
    }
    r.matched.insert(name);
  }
  return r;
}

class OnnxTestData : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = testing::OnnxTestData();
    if (root_.empty()) GTEST_SKIP() << "libonnx-testdata is not installed (scripts/setup.sh installs it)";
  }
  fs::path root_;
};

TEST_F(OnnxTestData, PyTorchConvertedTestsOfSupportedOpsMatch) {
  const SuiteResult r = RunSuite(root_ / "pytorch-converted");
  for (const std::string& f : r.failures) ADD_FAILURE() << f;
  // The tests made only of supported ops (Conv 1-D/2-D with groups, BatchNorm, pools, Linear, ReLU, Softmax).
  const std::set<std::string> must = {"test_AvgPool2d",
                                      "test_AvgPool2d_stride",
                                      "test_BatchNorm1d_3d_input_eval",
                                      "test_BatchNorm2d_eval",
                                      "test_BatchNorm2d_momentum_eval",
                                      "test_Conv1d",
                                      "test_Conv1d_groups",
                                      "test_Conv1d_pad1",
                                      "test_Conv1d_pad1size1",
                                      "test_Conv1d_pad2",
                                      "test_Conv1d_pad2size1",
                                      "test_Conv1d_stride",
                                      "test_Conv2d",
                                      "test_Conv2d_depthwise",
                                      "test_Conv2d_depthwise_padded",
                                      "test_Conv2d_depthwise_strided",
                                      "test_Conv2d_depthwise_with_multiplier",
                                      "test_Conv2d_groups",
                                      "test_Conv2d_groups_thnn",
                                      "test_Conv2d_no_bias",
                                      "test_Conv2d_padding",
                                      "test_Conv2d_strided",
                                      "test_Linear",
                                      "test_MaxPool1d",
                                      "test_MaxPool1d_stride",
                                      "test_MaxPool2d",
                                      "test_ReLU",
                                      "test_Softmax",
                                      "test_softmax_functional_dim3",
                                      "test_softmax_lastdim"};
  for (const std::string& m : must) EXPECT_TRUE(r.matched.count(m)) << m << " should import and match";
  EXPECT_EQ(r.matched.size(), must.size()) << "a test beyond the expected set imported: update the list";
}

TEST_F(OnnxTestData, PyTorchOperatorTestsOfSupportedOpsMatch) {
  const SuiteResult r = RunSuite(root_ / "pytorch-operator");
  for (const std::string& f : r.failures) ADD_FAILURE() << f;
  // (The add tests' inputs hold infinities: equal values match.)
  const std::set<std::string> must = {"test_operator_add_broadcast",
                                      "test_operator_add_size1_broadcast",
                                      "test_operator_add_size1_right_broadcast",
                                      "test_operator_add_size1_singleton_broadcast",
                                      "test_operator_addconstant",
                                      "test_operator_addmm",
                                      "test_operator_clip",
                                      "test_operator_concat2",
                                      "test_operator_conv",
                                      "test_operator_flatten",
                                      "test_operator_maxpool",
                                      "test_operator_mm",
                                      "test_operator_view"};
  for (const std::string& m : must) EXPECT_TRUE(r.matched.count(m)) << m << " should import and match";
  EXPECT_EQ(r.matched.size(), must.size());
}

// The per-operator node tests (opsets 9-17): every one that imports matches.
TEST_F(OnnxTestData, NodeTestsOfSupportedOpsMatch) {
  SuiteResult r = RunSuite(root_ / "node");
  const SuiteResult s = RunSuite(root_ / "simple");
  for (const std::string& f : r.failures) ADD_FAILURE() << f;
  for (const std::string& f : s.failures) ADD_FAILURE() << f;
  for (const char* m :
       {"test_conv_with_strides_padding", "test_conv_with_autopad_same", "test_gemm_all_attributes", "test_matmul_4d",
        "test_batchnorm_epsilon", "test_averagepool_2d_pads_count_include_pad", "test_maxpool_2d_same_lower",
        "test_softmax_axis_0", "test_flatten_negative_axis3", "test_concat_3d_axis_negative_2", "test_clip_splitbounds",
        "test_add_bcast", "test_dropout_default", "test_identity"})
    EXPECT_TRUE(r.matched.count(m)) << m;
  EXPECT_GE(r.data_sets + s.data_sets, 85);
}

}  // namespace
}  // namespace dcoc::model
