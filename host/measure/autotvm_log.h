// AutoTVM's JSON-lines tuning log (version 0.2) for VTA's conv2d_packed.vta template, both ways, so
// records from TVM users' logs run on dcoc and dcoc's measurements can be read by TVM users.
//
// One line: {"input": [target, "conv2d_packed.vta", args, kwargs], "config": {"index", "code_hash",
// "entity"}, "result": [costs in seconds, error_no, all_cost, timestamp], "version": 0.2,
// "tvm_version": ...}. args are the packed workload: ["TENSOR", NCHWnc shape, dtype] for the data,
// ["TENSOR", OIHWoi shape, dtype] for the kernel, strides [h, w], padding [top, left, bottom, right],
// dilation [h, w], the layout "NCHW<BATCH>n<BLOCK_IN>c", and the output dtype. The config entity holds
// tile_b/h/w/ci/co as "sp" splits [outer, inner] (inner = dcoc's tile; outer -1 as TVM writes it)
// and oc_nthread/h_nthread as "ot" values; "index" is the point's index in the template's space.
// dcoc adds a "dcoc" key (TVM ignores unknown keys) carrying what the template cannot (backend,
// exact cycles, RTL hash, layer name and epilogue), so an exported log imports back losslessly.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "host/compiler/layer.h"
#include "host/measure/measurement.h"
#include "host/spec/hw_config.h"

namespace dcoc::measure {

inline constexpr const char* kAutoTvmTemplate = "conv2d_packed.vta";

// Why a record cannot be written as a conv2d_packed.vta record (empty: it can).
std::string AutoTvmUnrepresentable(const Measurement& m, const compiler::ConvLayer& l, const spec::HwConfig& c);
// One log line (no newline). Throws UsageError with AutoTvmUnrepresentable's reason.
std::string AutoTvmLine(const Measurement& m, const compiler::ConvLayer& l, const spec::HwConfig& c);

struct ImportedRecord {
  int64_t line = 0;
  compiler::ConvLayer layer;
  spec::HwConfig config;
  Measurement measurement;
};
struct LogIssue {
  int64_t line = 0;
  std::string message;
};
struct AutoTvmImport {
  std::vector<ImportedRecord> records;
  std::vector<LogIssue> skipped;  // lines dcoc cannot represent or read, with the reason
  int64_t lines = 0;              // non-empty, non-comment lines read
};
// Reads a log. `config` (a preset, tag or file; may be empty) is the hardware configuration for
// records whose target does not name one (-model=<target>_<VTA tag>). Never throws for a bad line:
// every line that is not imported is reported with its number and the reason.
AutoTvmImport ReadAutoTvmLog(std::istream& in, const std::string& config = "");
// Parses one line (throws FormatError / UsageError with the reason).
ImportedRecord ParseAutoTvmLine(const std::string& text, const std::string& config = "");

}  // namespace dcoc::measure
