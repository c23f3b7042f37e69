// rtl_bench: simulation speed and GEMM efficiency of the verilated VTA++ on a GEMM-heavy program.
// Not a test: prints one JSON object per configuration (docs/benchmarks.md records the figures).
//   rtl_bench [--config NAME]... [--threads N] [--reps R] [--iter N] [--assertions on|off]
// Without assertions (the default) it runs the release model (verilated without them) when one is
// prebuilt or cached; with them, the checking model the tests use.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "host/common/error.h"
#include "host/spec/isa.h"
#include "sim/verilator/harness.h"

namespace {

using dcoc::spec::Instruction;
using dcoc::spec::MemType;
using dcoc::spec::Opcode;

// Loads 16 input and 16 weight rows and 16 micro-ops, then one GEMM of iter x iter x 16 micro-ops.
std::vector<Instruction> GemmProgram(const dcoc::spec::Spec& s, uint64_t iter, uint64_t& uop_base_row) {
  auto load = [](MemType m, uint64_t dram_row, uint64_t n) {
    Instruction i;
    i.opcode = Opcode::kLoad;
    i.memory_type = m;
    i.dram_base = dram_row;
    i.y_size = 1;
    i.x_size = n;
    i.x_stride = n;
    return i;
  };
  (void)s;
  std::vector<Instruction> v;
  Instruction li = load(MemType::kInp, 0, 16), lw = load(MemType::kWgt, 0, 16);
  lw.push_next = true;
  v.push_back(li);
  v.push_back(lw);
  Instruction lu = load(MemType::kUop, uop_base_row, 16);
  lu.pop_prev = true;
  v.push_back(lu);
  Instruction g;
  g.opcode = Opcode::kGemm;
  g.uop_bgn = 0;
  g.uop_end = 16;
  g.iter_out = iter;
  g.iter_in = iter;
  g.dst_factor_in = 0;
  v.push_back(g);
  Instruction f;
  f.opcode = Opcode::kFinish;
  v.push_back(f);
  return v;
}

double LoadAverage() {
  std::FILE* f = std::fopen("/proc/loadavg", "r");
  double l = 0;
  if (f) {
    if (std::fscanf(f, "%lf", &l) != 1) l = 0;
    std::fclose(f);
  }
  return l;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> configs;
  int threads = 1, reps = 5;
  bool assertions = false;
  uint64_t iter = 128;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--config" && i + 1 < argc) configs.push_back(argv[++i]);
    else if (a == "--threads" && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (a == "--assertions" && i + 1 < argc && (std::string(argv[i + 1]) == "on" || std::string(argv[i + 1]) == "off"))
      assertions = std::string(argv[++i]) == "on";
    else if (a == "--reps" && i + 1 < argc) reps = std::atoi(argv[++i]);
    else if (a == "--iter" && i + 1 < argc) iter = std::strtoull(argv[++i], nullptr, 10);
    else {
      fmt::print(stderr, "usage: rtl_bench [--config NAME]... [--threads N] [--reps R] [--iter N] [--assertions on|off]\n");
      return 2;
    }
  }
  if (configs.empty()) configs = {"default", "1x32x32", "2x16x32"};
  try {
    for (const std::string& c : configs) {
      const auto s = dcoc::spec::Spec::Create(dcoc::spec::LoadConfig(c));
      dcoc::sim::ModelOptions mo;
      mo.threads = threads;
      mo.assertions = assertions;
      const auto tb = std::chrono::steady_clock::now();
      dcoc::sim::Harness h(s, dcoc::sim::CreateVtaModel(s, mo));
      const double model_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - tb).count();
      // Image: 16 rows of each type with a deterministic pattern; micro-ops {u % 4, u, u}.
      const uint64_t bytes = 16 * uint64_t(std::max({s.inp_row_bytes, s.wgt_row_bytes, s.uop_bytes}));
      std::vector<uint8_t> img(bytes * 2, 0);
      for (size_t i = 0; i < img.size(); ++i) img[i] = uint8_t(i * 37 + 11);
      const uint64_t uop_row = bytes / uint64_t(s.uop_bytes);
      for (uint32_t u = 0; u < 16; ++u) {
        const uint64_t w = dcoc::spec::EncodeUop(s.isa.uop, {u % 4, u, u});
        for (int b = 0; b < s.uop_bytes; ++b) img[size_t(bytes + u * uint64_t(s.uop_bytes) + uint64_t(b))] = uint8_t(w >> (8 * b));
      }
      uint64_t ur = uop_row;
      const auto prog = GemmProgram(s, iter, ur);
      const auto stream = dcoc::spec::EncodeStream(s.isa, prog);
      std::vector<double> rates, cpu_rates;
      dcoc::sim::HarnessResult r;
      for (int rep = 0; rep < reps; ++rep) {
        h.dram() = img;
        const uint64_t at = h.dram().size();
        h.dram().insert(h.dram().end(), stream.begin(), stream.end());
        const std::clock_t c0 = std::clock();
        r = h.Run(at, uint32_t(prog.size()));
        const double cpu = double(std::clock() - c0) / CLOCKS_PER_SEC;
        rates.push_back(double(r.sim_cycles) / r.wall_seconds);
        cpu_rates.push_back(double(r.sim_cycles) / cpu);
      }
      std::sort(rates.begin(), rates.end());
      std::sort(cpu_rates.begin(), cpu_rates.end());
      nlohmann::ordered_json j;
      j["config"] = c;
      j["tag"] = s.tag;
      j["verilator_threads"] = threads;
      j["assertions"] = assertions;
      j["model_load_seconds"] = model_s;
      j["gemm_uops"] = r.counters.at("gemm_uops");
      j["cycles"] = r.cycles;
      j["gemm_efficiency"] = double(r.counters.at("gemm_uops")) / double(r.cycles);
      j["sim_cycles_per_run"] = r.sim_cycles;
      j["median_cycles_per_second"] = rates[rates.size() / 2];
      j["median_cycles_per_cpu_second"] = cpu_rates[cpu_rates.size() / 2];  // all threads' CPU time
      j["load_average"] = LoadAverage();
      j["reps"] = reps;
      fmt::print("{}\n", j.dump());
      std::fflush(stdout);
    }
  } catch (const dcoc::Error& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
  return 0;
}
