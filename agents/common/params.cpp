#include "agents/common/params.h"

#include <fmt/format.h>

#include "host/common/error.h"

namespace dcoc::agents {

ParamReader::ParamReader(std::string_view tuner, const nlohmann::json& params) : tuner_(tuner), params_(params) {
  if (!params_.is_null() && !params_.is_object())
    throw UsageError(fmt::format("{} parameters: expected a JSON object, got {}", tuner_, params_.dump()));
}

const nlohmann::json* ParamReader::Find(const std::string& key) {
  known_.insert(key);
  if (!params_.is_object()) return nullptr;
  auto it = params_.find(key);
  return it == params_.end() ? nullptr : &*it;
}

int ParamReader::Int(const std::string& key, int def, int lo, int hi) {
  const nlohmann::json* v = Find(key);
  if (v && (!v->is_number_integer() || v->get<int64_t>() < lo || v->get<int64_t>() > hi))
    throw UsageError(
        fmt::format("{} parameter {}={}: expected an integer in [{}, {}]", tuner_, key, v->dump(), lo, hi));
  const int value = v ? v->get<int>() : def;
  values_[key] = value;
  return value;
}

double ParamReader::Real(const std::string& key, double def, double lo, double hi) {
  const nlohmann::json* v = Find(key);
  if (v && (!v->is_number() || v->get<double>() < lo || v->get<double>() > hi))
    throw UsageError(fmt::format("{} parameter {}={}: expected a number in [{}, {}]", tuner_, key, v->dump(), lo, hi));
  const double value = v ? v->get<double>() : def;
  values_[key] = value;
  return value;
}

bool ParamReader::Bool(const std::string& key, bool def) {
  const nlohmann::json* v = Find(key);
  if (v && !v->is_boolean())
    throw UsageError(fmt::format("{} parameter {}={}: expected true or false", tuner_, key, v->dump()));
  const bool value = v ? v->get<bool>() : def;
  values_[key] = value;
  return value;
}

void ParamReader::Finish() const {
  if (!params_.is_object()) return;
  for (const auto& [key, value] : params_.items())
    if (!known_.count(key))
      throw UsageError(fmt::format("{} has no parameter \"{}\" (known: {})", tuner_, key, fmt::join(known_, ", ")));
}

}  // namespace dcoc::agents
