// dcoc config show|presets, dcoc isa doc, dcoc disasm.
#include <cstring>

#include <fmt/format.h>

#include "host/cli/cli_util.h"
#include "host/cli/commands.h"
#include "host/common/error.h"
#include "host/spec/isa_doc.h"
#include "host/spec/program.h"

namespace dcoc::cli {

void PrintJson(const nlohmann::ordered_json& j) { fmt::print("{}\n", j.dump(2)); }
spec::Spec SpecFor(const std::string& what) { return spec::Spec::Create(spec::LoadConfig(what)); }

namespace {

nlohmann::ordered_json SpecJson(const spec::Spec& s) {
  nlohmann::ordered_json j;
  j["tag"] = s.tag;
  j["config"] = spec::ConfigToJson(s.config);
  j["batch"] = s.batch;
  j["block_in"] = s.block_in;
  j["block_out"] = s.block_out;
  j["macs_per_cycle"] = s.MacsPerCycle();
  j["inp_bits"] = s.inp_bits;
  j["wgt_bits"] = s.wgt_bits;
  j["acc_bits"] = s.acc_bits;
  j["out_bits"] = s.out_bits;
  j["bus_bits"] = s.bus_bits;
  j["clock_mhz"] = s.config.clock_mhz;
  j["dep_queue_depth"] = s.config.dep_queue_depth;
  j["gemm_mac"] = {{"impl", spec::Name(s.config.gemm_mac)}, {"packed", s.gemm_pack},
                   {"dsp_units", s.gemm_dsp_units}, {"lut_products", s.gemm_lut_products}};
  auto buf = [&](int64_t bytes, int64_t row, int64_t depth, int log_depth) {
    return nlohmann::ordered_json{{"bytes", bytes}, {"row_bytes", row}, {"depth", depth}, {"index_bits", log_depth}};
  };
  j["buffers"]["uop"] = buf(int64_t(1) << s.config.log_uop_buff_size, s.uop_bytes, s.uop_depth, s.log_uop_depth);
  j["buffers"]["inp"] = buf(int64_t(1) << s.config.log_inp_buff_size, s.inp_row_bytes, s.inp_depth, s.log_inp_depth);
  j["buffers"]["wgt"] = buf(int64_t(1) << s.config.log_wgt_buff_size, s.wgt_row_bytes, s.wgt_depth, s.log_wgt_depth);
  j["buffers"]["acc"] = buf(int64_t(1) << s.config.log_acc_buff_size, s.acc_row_bytes, s.acc_depth, s.log_acc_depth);
  j["buffers"]["out"] = buf(s.out_depth * s.out_row_bytes, s.out_row_bytes, s.out_depth, s.log_out_depth);
  j["uop_bits"] = s.isa.uop.word_bits;
  j["uop_fields"] = {{"dst", s.isa.uop.dst_bits}, {"src", s.isa.uop.src_bits}, {"wgt", s.isa.uop.wgt_bits}};
  for (const spec::Format* f : {&s.isa.mem, &s.isa.gemm, &s.isa.alu, &s.isa.finish}) {
    nlohmann::ordered_json fields;
    for (const auto& slot : f->fields)
      fields[std::string(spec::FieldName(slot.field))] = {{"lsb", slot.lsb}, {"msb", slot.msb()}, {"bits", slot.width}};
    j["isa"][std::string(f->name)] = fields;
  }
  return j;
}

void PrintSpec(const spec::Spec& s) {
  fmt::print("configuration {}\n", s.tag);
  fmt::print("  GEMM core      {} x {} x {} = {} MACs/cycle (int{} x int{} -> int{}, out int{})\n", s.batch, s.block_in,
             s.block_out, s.MacsPerCycle(), s.inp_bits, s.wgt_bits, s.acc_bits, s.out_bits);
  fmt::print("  memory bus     {} bits, clock {} MHz, token queues of {}\n", s.bus_bits, s.config.clock_mhz,
             s.config.dep_queue_depth);
  fmt::print("  multipliers    GEMM_MAC {}: {} DSP48 blocks{}, {} products in LUTs\n", spec::Name(s.config.gemm_mac),
             s.gemm_dsp_units, s.gemm_pack ? " (two products each)" : "", s.gemm_lut_products);
  fmt::print("  {:<6} {:>9} {:>10} {:>8} {:>11}\n", "buffer", "bytes", "row bytes", "depth", "index bits");
  auto row = [](std::string_view n, int64_t bytes, int64_t rb, int64_t d, int bits) {
    fmt::print("  {:<6} {:>9} {:>10} {:>8} {:>11}\n", n, bytes, rb, d, bits);
  };
  row("uop", int64_t(1) << s.config.log_uop_buff_size, s.uop_bytes, s.uop_depth, s.log_uop_depth);
  row("inp", int64_t(1) << s.config.log_inp_buff_size, s.inp_row_bytes, s.inp_depth, s.log_inp_depth);
  row("wgt", int64_t(1) << s.config.log_wgt_buff_size, s.wgt_row_bytes, s.wgt_depth, s.log_wgt_depth);
  row("acc", int64_t(1) << s.config.log_acc_buff_size, s.acc_row_bytes, s.acc_depth, s.log_acc_depth);
  row("out", s.out_depth * s.out_row_bytes, s.out_row_bytes, s.out_depth, s.log_out_depth);
  fmt::print("  micro-op       {} bits: dst {} + src {} + wgt {}\n", s.isa.uop.word_bits, s.isa.uop.dst_bits,
             s.isa.uop.src_bits, s.isa.uop.wgt_bits);
  for (const spec::Format* f : {&s.isa.mem, &s.isa.gemm, &s.isa.alu}) {
    std::string line;
    for (const auto& slot : f->fields)
      line += fmt::format(" {}[{}:{}]", spec::FieldName(slot.field), slot.msb(), slot.lsb);
    fmt::print("  {:<6}{}\n", f->name, line);
  }
}

void Disasm(const std::string& path, const std::string& config, bool json) {
  const std::vector<uint8_t> bytes = spec::ReadFile(path);
  std::vector<spec::Instruction> insns;
  std::optional<spec::Spec> s;
  if (bytes.size() >= 8 && std::memcmp(bytes.data(), "DCOCPRG1", 8) == 0) {
    spec::Program p = spec::Deserialize(bytes);
    s = spec::Spec::Create(p.config);
    insns = std::move(p.insns);
  } else {
    s = SpecFor(config);
    insns = spec::DecodeStream(s->isa, bytes);
  }
  for (size_t i = 0; i < insns.size(); ++i) {
    if (json) {
      nlohmann::ordered_json j = spec::ToJson(s->isa, insns[i]);
      fmt::print("{}\n", j.dump());
    } else {
      fmt::print("{:5}  {}\n", i, spec::Disassemble(s->isa, insns[i]));
    }
  }
}

}  // namespace

void RegisterConfigCommands(CLI::App& app) {
  auto* config = app.add_subcommand("config", "Inspect hardware configurations");
  config->require_subcommand(1);

  auto* show = config->add_subcommand("show", "Print every quantity derived from a configuration");
  static std::string what;
  static bool json = false;
  show->add_option("config", what, "Preset name, VTA tag (1x16_i8w8a32_15_15_18_17) or vta_config.json path")->required();
  show->add_flag("--json", json, "Machine-readable output");
  show->callback([] {
    const spec::Spec s = SpecFor(what);
    json ? PrintJson(SpecJson(s)) : PrintSpec(s);
  });

  auto* presets = config->add_subcommand("presets", "List the named presets");
  presets->add_flag("--json", json, "Machine-readable output");
  presets->callback([] {
    nlohmann::ordered_json j = nlohmann::ordered_json::array();
    for (const auto& p : spec::Presets()) {
      if (json) {
        j.push_back({{"name", p.name}, {"tag", spec::ConfigTag(p.config)}, {"description", p.description}});
      } else {
        fmt::print("{:<9} {:<34} {}\n", p.name, spec::ConfigTag(p.config), p.description);
      }
    }
    if (json) PrintJson(j);
  });

  auto* isa = app.add_subcommand("isa", "The instruction set");
  isa->require_subcommand(1);
  auto* doc = isa->add_subcommand("doc", "Print the ISA reference (docs/isa.md is this output for the default preset)");
  static std::string doc_config = "default";
  doc->add_option("--config", doc_config, "Configuration whose field layout to document")->capture_default_str();
  doc->callback([] { fmt::print("{}", spec::IsaDoc(SpecFor(doc_config))); });

  auto* disasm = app.add_subcommand(
      "disasm", "Disassemble an instruction file (raw little-endian 128-bit words, as VTA's runtime writes) or a .prog");
  static std::string file, dis_config = "default";
  disasm->add_option("file", file, "Instruction file or dcoc program container")->required()->check(CLI::ExistingFile);
  disasm->add_option("--config", dis_config, "Configuration for a raw instruction file")->capture_default_str();
  disasm->add_flag("--json", json, "One JSON object per instruction (field names as in DESIGN.md)");
  disasm->callback([] { Disasm(file, dis_config, json); });
}

}  // namespace dcoc::cli
