#include "host/model/accuracy.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "host/model/errors.h"
#include "host/model/float_exec.h"

namespace dcoc::model {

std::vector<int> Predictions(const Tensor& logits) {
  if (logits.shape.size() != 2)
    throw ModelError(fmt::format("a classifier's output must be [N, classes], is {}", ToString(logits.shape)));
  const int64_t n = logits.shape[0], c = logits.shape[1];
  std::vector<int> p(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const float* row = &logits.data[size_t(i * c)];
    p[size_t(i)] = int(std::max_element(row, row + c) - row);
  }
  return p;
}

AccuracyResult EvaluateClassifier(const std::filesystem::path& onnx, const ImageSet& test, const ImageSet& calib,
                                  const spec::Spec& s, const AccuracyOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  if (o.batch < 1) throw UsageError(fmt::format("batch {} must be at least 1", o.batch));
  PreparedModel m = PrepareModel(onnx, ImportOptions{o.batch});
  if (m.graph.inputs.size() != 1 || m.graph.outputs.size() != 1)
    throw ModelError(fmt::format("{}: a classifier needs one input and one output", onnx.string()));
  const Shape& in = m.graph.values[size_t(m.graph.inputs[0])].shape;
  if (in != Shape{o.batch, 1, test.rows, test.cols})
    throw ModelError(fmt::format("{}: input {} does not take [{}, 1, {}, {}] images", onnx.string(), ToString(in),
                                 o.batch, test.rows, test.cols));
  std::vector<std::vector<Tensor>> samples;
  for (int64_t i = 0; i < std::min(o.calibration_images, calib.count); i += o.batch)
    samples.push_back({ImageBatch(calib, i, std::min(o.batch, o.calibration_images - i))});
  // A short last calibration batch is zero-padded by ImageBatch only up to its own size: pad to the batch.
  for (auto& smp : samples)
    if (smp[0].shape[0] != o.batch) {
      Tensor t(in);
      std::copy(smp[0].data.begin(), smp[0].data.end(), t.data.begin());
      smp[0] = std::move(t);
    }
  const Calibration cal = Calibrate(m.graph, samples);
  const QModel q = Quantize(m.graph, cal, s, o.quant);
  Executor cpu(q, s);
  std::optional<Executor> dev;
  if (!o.backend.empty()) {
    ExecOptions eo;
    eo.backend = o.backend;
    eo.backends = o.backends;
    eo.isa = o.isa;
    eo.schedule = o.schedule;
    dev.emplace(q, s, eo);
  }
  AccuracyResult r;
  r.passes = m.passes;
  const int64_t total = o.limit > 0 ? std::min(o.limit, test.count) : test.count;
  const int64_t on_device = dev ? (o.device_limit > 0 ? std::min(o.device_limit, total) : total) : 0;
  std::vector<OpRecord> recs;
  for (int64_t first = 0; first < total; first += o.batch) {
    const int64_t n = std::min(o.batch, total - first);
    const std::vector<Tensor> x{ImageBatch(test, first, o.batch)};
    const std::vector<int> pf = Predictions(RunFloat(m.graph, x)[0]);
    const std::vector<int> pq = Predictions(cpu.Run(x)[0]);
    const std::vector<QData> want = cpu.Outputs();
    std::vector<int> pd;
    const bool run_dev = dev && first < on_device;
    if (run_dev) {
      pd = Predictions(dev->Run(x, &recs)[0]);
      const RunTotals t = Totals(recs);
      r.device.cycles += t.cycles;
      r.device.conv_cycles += t.conv_cycles;
      r.device.ideal_cycles += t.ideal_cycles;
      r.device.macs += t.macs;
      r.device.outputs_checked += t.outputs_checked;
      r.device.mismatches += t.mismatches;
      r.device.ops_mismatched += t.ops_mismatched;
      r.device.on_device = t.on_device;
      r.device.on_cpu = t.on_cpu;
      ++r.device_runs;
    }
    const std::vector<QData>& got = run_dev ? dev->Outputs() : want;
    const int64_t row = want[0].q.Size() / o.batch;
    for (int64_t i = 0; i < n; ++i) {
      const int label = test.labels[size_t(first + i)];
      ++r.images;
      r.float_correct += pf[size_t(i)] == label;
      r.int8_correct += pq[size_t(i)] == label;
      r.float_int8_agree += pf[size_t(i)] == pq[size_t(i)];
      if (run_dev && first + i < on_device) {
        ++r.device_images;
        r.device_correct += pd[size_t(i)] == label;
        r.device_differs += !std::equal(got[0].q.data.begin() + i * row, got[0].q.data.begin() + (i + 1) * row,
                                        want[0].q.data.begin() + i * row);
      }
    }
    if (o.progress) o.progress(first + n, total);
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace dcoc::model
