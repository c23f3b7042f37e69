// Test-set accuracy of a classifier three ways: the float model, the int8 model on the CPU reference, and
// the int8 model on a backend — whose outputs must equal the CPU reference's on every image.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "host/model/dataset.h"
#include "host/model/executor.h"
#include "host/model/pipeline.h"
#include "host/model/quantize.h"

namespace dcoc::model {

struct AccuracyOptions {
  int64_t batch = 100;               // images per run (the model's symbolic batch)
  int64_t limit = 0;                 // test images for float and CPU int8 (0: all)
  int64_t device_limit = 0;          // of those, images also run on the backend (0: all of them)
  int64_t calibration_images = 512;  // the first training images
  std::string backend;               // "" for none
  const runtime::Registry* backends = nullptr;
  spec::Isa isa = spec::Isa::kVtaPlus;  // the device's instruction set (stock VTA's subset or all of VTA++)
  QuantOptions quant;
  ScheduleFn schedule;
  // Called after each batch: images done, images to do.
  std::function<void(int64_t, int64_t)> progress;
};

struct AccuracyResult {
  int64_t images = 0, float_correct = 0, int8_correct = 0;
  int64_t device_images = 0, device_correct = 0;
  int64_t device_differs = 0;    // images whose device output differs from the CPU int8 output
  int64_t float_int8_agree = 0;  // images where float and int8 predict the same class
  RunTotals device;              // summed over every device run
  int64_t device_runs = 0;       // batches run on the device
  double seconds = 0;
  PassStats passes;
  double Pct(int64_t n, int64_t of) const { return of ? 100.0 * double(n) / double(of) : 0.0; }
};

// Argmax of each row of [N, classes] (ties go to the lower class).
std::vector<int> Predictions(const Tensor& logits);

AccuracyResult EvaluateClassifier(const std::filesystem::path& onnx, const ImageSet& test, const ImageSet& calib,
                                  const spec::Spec& s, const AccuracyOptions& o);

}  // namespace dcoc::model
