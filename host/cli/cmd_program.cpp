// dcoc program random|show, dcoc fsim run, dcoc demo.
#include <chrono>
#include <filesystem>

#include <fmt/format.h>

#include "host/cli/cli_util.h"
#include "host/cli/commands.h"
#include "host/common/error.h"
#include "host/runtime/fsim_device.h"
#include "sim/fsim/fsim.h"
#include "sim/progen/hazards.h"
#include "sim/progen/progen.h"

namespace dcoc::cli {

namespace {

nlohmann::ordered_json FsimReport(const spec::Program& p, sim::Interleave mode, uint64_t seed,
                                  spec::Isa isa = spec::Isa::kVtaPlus) {
  sim::FsimOptions o;
  o.interleave = mode;
  o.seed = seed;
  o.isa = isa;
  const auto t0 = std::chrono::steady_clock::now();
  const sim::FsimResult r = sim::RunProgram(p, o);
  runtime::RunStats stats;
  stats.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  stats.counters = runtime::CountersToMap(r.counters, p.insns.size());
  return RunReportJson(p, "fsim", stats, r.dram);
}

}  // namespace

void RegisterProgramCommands(CLI::App& app) {
  auto* program = app.add_subcommand("program", "Create and inspect program containers (.prog)");
  program->require_subcommand(1);

  auto* random = program->add_subcommand(
      "random", "Write a seeded random valid program (all instruction kinds, tokens, padding, ALU ops)");
  static std::string config = "default", out;
  static uint64_t seed = 1;
  random->add_option("--config", config, "Preset, VTA tag or vta_config.json")->capture_default_str();
  random->add_option("--seed", seed, "Generator seed")->capture_default_str();
  random->add_option("-o,--output", out, "Output .prog file")->required();
  static sim::GenOptions gen;
  static std::string isa = "vta++";
  const std::string isa_help =
      "Instruction set: vta++ (all of VTA++) or vta (only what stock VTA bitstreams execute as dcoc does)";
  random->add_option("--blocks", gen.blocks, "Load/compute/store rounds (0: seeded choice in 1..8)")->capture_default_str();
  random->add_option("--max-insns", gen.max_insns, "Upper bound on instructions")->capture_default_str();
  random->add_option("--isa", isa, isa_help)->capture_default_str();
  random->callback([] {
    gen.isa = spec::IsaFromName(isa);
    const spec::Program p = sim::GenerateRandomProgram(spec::LoadConfig(config), seed, gen);
    spec::SaveProgram(p, out);
    fmt::print("wrote {}: {} instructions, {} bytes of DRAM, {} regions ({})\n", out, p.insns.size(), p.dram.size(),
               p.regions.size(), spec::ConfigTag(p.config));
  });

  auto* check = program->add_subcommand(
      "check", "Statically check a program: races between modules, reads of unwritten rows, FINISH ordering, "
               "deadlocks, leftover tokens; with --isa vta also every form stock VTA executes differently (exit "
               "status 1 when any is found)");
  static std::string check_file;
  static bool check_json = false;
  check->add_option("program", check_file, "Program container (.prog)")->required()->check(CLI::ExistingFile);
  check->add_flag("--json", check_json, "Machine-readable output");
  check->add_option("--isa", isa, isa_help)->capture_default_str();
  check->callback([] {
    const spec::Program p = spec::LoadProgram(check_file);
    const auto hazards = sim::FindHazards(p, 16, spec::IsaFromName(isa));
    if (check_json) {
      nlohmann::ordered_json j = {{"program", check_file}, {"instructions", p.insns.size()},
                                  {"hazards", nlohmann::ordered_json::array()}};
      for (const auto& h : hazards)
        j["hazards"].push_back({{"kind", sim::Name(h.kind)}, {"instruction", h.insn}, {"message", h.message}});
      PrintJson(j);
    } else if (hazards.empty()) {
      fmt::print("{}: {} instructions, no hazards\n", check_file, p.insns.size());
    } else {
      for (const auto& h : hazards) fmt::print("{}: {} at instruction {}: {}\n", check_file, sim::Name(h.kind), h.insn, h.message);
    }
    if (!hazards.empty()) throw ExecError(fmt::format("{} hazard(s) found in {}", hazards.size(), check_file));
  });

  auto* fsim = app.add_subcommand("fsim", "The functional reference simulator");
  fsim->require_subcommand(1);
  auto* run = fsim->add_subcommand("run", "Run a program; print counters and a digest of every output region");
  static std::string file, interleave = "deterministic";
  static bool json = false;
  run->add_option("program", file, "Program container (.prog)")->required()->check(CLI::ExistingFile);
  run->add_option("--interleave", interleave, "Module interleaving: deterministic (round-robin) or random")
      ->check(CLI::IsMember({"deterministic", "random"}))
      ->capture_default_str();
  run->add_option("--seed", seed, "Seed of the random interleaving")->capture_default_str();
  run->add_flag("--json", json, "Machine-readable output");
  run->add_option("--isa", isa, isa_help + "; vta also rejects, while running, stores of out rows VTA leaves stale "
                                "and tensor shifts outside [0, 15]")
      ->capture_default_str();
  run->callback([] {
    const spec::Program p = spec::LoadProgram(file);
    const auto report = FsimReport(
        p, interleave == "random" ? sim::Interleave::kRandom : sim::Interleave::kDeterministic, seed,
        spec::IsaFromName(isa));
    json ? PrintJson(report) : PrintRunReport(report);
  });

  auto* demo = app.add_subcommand(
      "demo", "The main job: configure a VTA++ instance, generate a program and run it on the simulators");
  demo->add_option("--config", config, "Preset, VTA tag or vta_config.json")->capture_default_str();
  demo->add_option("--seed", seed, "Program seed")->capture_default_str();
  demo->callback([] {
    const spec::Spec s = SpecFor(config);
    fmt::print("== configuration {}: {}x{}x{} GEMM core, {}-bit bus, {} MHz\n", s.tag, s.batch, s.block_in,
               s.block_out, s.bus_bits, s.config.clock_mhz);
    const spec::Program p = sim::GenerateRandomProgram(s.config, seed);
    fmt::print("== program: {} instructions, {} bytes of DRAM ({})\n", p.insns.size(), p.dram.size(), p.description);
    const auto det = FsimReport(p, sim::Interleave::kDeterministic, 0);
    PrintRunReport(det);
    const auto rnd = FsimReport(p, sim::Interleave::kRandom, seed);
    const bool same = det["outputs"] == rnd["outputs"];
    fmt::print("== random module interleaving (seed {}): outputs {}\n", seed, same ? "identical" : "DIFFER");
    if (!same) throw ExecError("fsim results depend on the module interleaving");
  });
}

}  // namespace dcoc::cli
