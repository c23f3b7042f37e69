// The checked-in Fashion-MNIST CNN (tests/model/data/fmnist_cnn.onnx, trained by dcoc_train_fmnist):
// float vs int8 accuracy on test images, and the accelerator's outputs identical to the CPU int8
// reference on every image. The fast suite runs 1,000 images on fsim, the rtl suite 20 on Verilator (the
// whole network on the RTL in CI: outputs only, 20 images say nothing about accuracy), the slow one 500.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "host/model/accuracy.h"
#include "host/runtime/backends.h"

namespace dcoc::model {
namespace {

struct FmnistCase {
  std::string backend;
  int64_t images, batch;
};

class FashionMnist : public ::testing::TestWithParam<FmnistCase> {};

TEST_P(FashionMnist, Int8MatchesFloatAndTheDeviceMatchesTheReference) {
  const auto& [backend, images, batch] = GetParam();
  if (!std::filesystem::is_directory(std::string(kFashionMnistDir))) GTEST_SKIP() << "dataset-fashion-mnist missing";
  const runtime::Registry backends = runtime::BuiltinBackends();
  if (!backends.Has(backend)) GTEST_SKIP() << backend << " is not built";
  const ImageSet test = LoadIdx(std::string(kFashionMnistDir), "t10k");
  const ImageSet train = LoadIdx(std::string(kFashionMnistDir), "train");
  AccuracyOptions o;
  o.batch = batch;
  o.limit = images;
  o.backend = backend;
  o.backends = &backends;
  const spec::Spec sp = spec::Spec::Create(spec::LoadConfig("default"));
  const AccuracyResult r =
      EvaluateClassifier(std::filesystem::path(DCOC_SOURCE_DIR) / "tests/model/data/fmnist_cnn.onnx", test, train, sp, o);
  EXPECT_EQ(r.images, images);
  EXPECT_EQ(r.device_images, images);
  const double f = r.Pct(r.float_correct, r.images), q = r.Pct(r.int8_correct, r.images);
  if (images >= 500) {  // accuracy figures only on enough images
    EXPECT_GT(f, 85.0);
    EXPECT_LE(std::fabs(f - q), 1.0) << "float " << f << "%, int8 " << q << "%";
  }
  EXPECT_EQ(r.device_differs, 0);
  EXPECT_EQ(r.device.mismatches, 0);
  EXPECT_EQ(r.device_correct, r.int8_correct);
  EXPECT_EQ(r.passes.folded_batchnorms, 2);
  RecordProperty("float", std::to_string(f));
  RecordProperty("int8", std::to_string(q));
}

#if defined(DCOC_SLOW_NETS)
INSTANTIATE_TEST_SUITE_P(Backends, FashionMnist, ::testing::Values(FmnistCase{"verilator", 500, 100}),
                         [](const auto& i) { return i.param.backend; });
#elif defined(DCOC_RTL_NETS)
INSTANTIATE_TEST_SUITE_P(Backends, FashionMnist, ::testing::Values(FmnistCase{"verilator", 20, 10}),
                         [](const auto& i) { return i.param.backend; });
#else
INSTANTIATE_TEST_SUITE_P(Backends, FashionMnist, ::testing::Values(FmnistCase{"fsim", 1000, 100}),
                         [](const auto& i) { return i.param.backend; });
#endif

}  // namespace
}  // namespace dcoc::model
