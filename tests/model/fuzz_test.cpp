// Mutation fuzzing of the importer (and, for what still imports, the passes, quantization and the
// executors) over the test models: bit flips, byte overwrites, truncation, insertion, duplication and
// deletion of chunks. Every mutant either imports or fails with a dcoc::Error — never a crash, a hang or
// an unbounded allocation (this suite also runs under ASan/UBSan). Seeded, bounded in iterations and
// time; DCOC_FUZZ_ITERATIONS / DCOC_FUZZ_SECONDS lengthen it for a long run.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <random>

#include "host/common/error.h"
#include "host/model/executor.h"
#include "host/model/float_exec.h"
#include "host/model/onnx_import.h"
#include "host/model/passes.h"
#include "host/model/quantize.h"
#include "host/runtime/backends.h"
#include "host/spec/program.h"
#include "tests/model/test_models.h"

namespace dcoc::model {
namespace {

const runtime::Registry& Backends() {
  static const runtime::Registry r = runtime::BuiltinBackends();
  return r;
}

namespace fs = std::filesystem;

std::vector<std::vector<uint8_t>> Corpus() {
  std::vector<std::vector<uint8_t>> c;
  c.push_back(testing::Bytes(testing::SmallCnn(1, 13)));
  c.push_back(testing::Bytes(testing::SmallCnn(2, 9, true)));
  const fs::path root = testing::OnnxTestData();
  if (!root.empty()) {
    for (const char* t :
         {"pytorch-converted/test_Conv2d_depthwise_padded", "pytorch-converted/test_BatchNorm2d_eval",
          "pytorch-converted/test_Linear", "pytorch-operator/test_operator_concat2",
          "pytorch-operator/test_operator_view", "node/test_gemm_all_attributes", "node/test_maxpool_2d_same_lower",
          "node/test_softmax_axis_1", "node/test_reshape_zero_dim", "node/test_clip_splitbounds"})
      if (fs::is_regular_file(root / t / "model.onnx")) c.push_back(spec::ReadFile(root / t / "model.onnx"));
  }
  return c;
}

std::vector<uint8_t> Mutate(std::vector<uint8_t> b, std::mt19937_64& rng) {
  auto pick = [&](size_t n) { return n == 0 ? size_t(0) : size_t(rng() % n); };
  const int edits = 1 + int(rng() % 4);
  for (int e = 0; e < edits; ++e) {
    switch (rng() % 7) {
      case 0:  // flip a bit
        if (!b.empty()) b[pick(b.size())] ^= uint8_t(1u << (rng() % 8));
        break;
      case 1:  // overwrite a byte with an interesting value
        if (!b.empty()) {
          static constexpr uint8_t kVals[] = {0x00, 0x01, 0x7f, 0x80, 0xff, 0x08, 0x10, 0x12, 0x1a, 0x22};
          b[pick(b.size())] = kVals[rng() % std::size(kVals)];
        }
        break;
      case 2:  // truncate
        b.resize(pick(b.size() + 1));
        break;
      case 3: {  // insert random bytes
        const size_t at = pick(b.size() + 1);
        std::vector<uint8_t> ins(1 + rng() % 8);
        for (uint8_t& x : ins) x = uint8_t(rng());
        b.insert(b.begin() + std::ptrdiff_t(at), ins.begin(), ins.end());
        break;
      }
      case 4: {  // duplicate a chunk
        if (b.empty()) break;
        const size_t at = pick(b.size()), len = 1 + pick(std::min<size_t>(64, b.size() - at));
        std::vector<uint8_t> chunk(b.begin() + std::ptrdiff_t(at), b.begin() + std::ptrdiff_t(at + len));
        b.insert(b.begin() + std::ptrdiff_t(pick(b.size() + 1)), chunk.begin(), chunk.end());
        break;
      }
      case 5: {  // delete a chunk
        if (b.empty()) break;
        const size_t at = pick(b.size()), len = 1 + pick(std::min<size_t>(32, b.size() - at));
        b.erase(b.begin() + std::ptrdiff_t(at), b.begin() + std::ptrdiff_t(at + len));
        break;
      }
      default:  // a varint length or value set large
        if (b.size() > 2) {
          const size_t at = pick(b.size() - 2);
          b[at] = 0xff;
          b[at + 1] = 0xff;
          b[at + 2] = 0x7f;
        }
        break;
    }
  }
  return b;
}

struct FuzzStats {
  int iterations = 0, imported = 0, executed = 0, errors = 0;
};

// Everything downstream of a mutant that imported, on small graphs only (the point is robustness, not speed).
void Exercise(Graph g, std::mt19937_64& rng, FuzzStats& st) {
  int64_t activations = 0;
  for (const Value& v : g.values)
    if (!v.constant) activations += NumElements(v.shape, "fuzz");
  if (activations > 200000) return;
  std::vector<Tensor> in;
  for (int v : g.inputs) in.push_back(testing::RandomTensor(g.values[size_t(v)].shape, rng()));
  (void)RunFloat(g, in);
  (void)PrepareForQuantization(g);
  const std::vector<std::vector<Tensor>> samples{in};
  const Calibration cal = Calibrate(g, samples);
  const spec::Spec sp = spec::Spec::Create(spec::LoadConfig("default"));
  const QModel q = Quantize(g, cal, sp);
  Executor cpu(q, sp);
  (void)cpu.Run(in);
  ExecOptions o;
  o.backend = "fsim";
  o.backends = &Backends();
  Executor dev(q, sp, o);
  std::vector<OpRecord> recs;
  (void)dev.Run(in, &recs);
  for (const OpRecord& r : recs) EXPECT_EQ(r.mismatches, 0) << r.name;
  ++st.executed;
}

TEST(Fuzz, MutatedModelsFailCleanly) {
  const std::vector<std::vector<uint8_t>> corpus = Corpus();
  const char* it_env = std::getenv("DCOC_FUZZ_ITERATIONS");
  const char* s_env = std::getenv("DCOC_FUZZ_SECONDS");
  const int iterations = it_env ? std::atoi(it_env) : 3000;
  const double seconds = s_env ? std::atof(s_env) : 20.0;
  std::mt19937_64 rng(20261130);
  FuzzStats st;
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < iterations; ++i) {
    if (std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() > seconds) break;
    const std::vector<uint8_t> m = Mutate(corpus[size_t(i) % corpus.size()], rng);
    ++st.iterations;
    try {
      Graph g = ImportOnnx(m, fmt::format("mutant{}.onnx", i));
      ++st.imported;
      Exercise(std::move(g), rng, st);
    } catch (const Error&) {
      ++st.errors;  // a clear error is the expected outcome for most mutants
    }
  }
  RecordProperty("iterations", st.iterations);
  RecordProperty("imported", st.imported);
  RecordProperty("executed", st.executed);
  fmt::print("fuzz: {} mutants, {} imported, {} executed end to end, {} refused with an error\n", st.iterations,
             st.imported, st.executed, st.errors);
  EXPECT_GE(st.iterations, 200);
  EXPECT_GT(st.errors, 0);
  EXPECT_GT(st.imported, 0);  // some mutations (in data bytes) keep the model valid
}

}  // namespace
}  // namespace dcoc::model
