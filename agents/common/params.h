// Tuner parameters from TunerOptions::params (JSON), read by name with a default and a range. Unknown
// keys and bad values are UsageErrors that name the tuner, the key, the value and the bound.
#pragma once

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>

namespace dcoc::agents {

class ParamReader {
 public:
  ParamReader(std::string_view tuner, const nlohmann::json& params);
  int Int(const std::string& key, int def, int lo, int hi);
  double Real(const std::string& key, double def, double lo, double hi);
  bool Bool(const std::string& key, bool def);
  // Throws when a key was given that no Int/Real/Bool call asked for.
  void Finish() const;
  // Every parameter asked for with the value in effect (given or default), e.g. to tell two runs apart.
  const nlohmann::json& Values() const { return values_; }

 private:
  const nlohmann::json* Find(const std::string& key);
  std::string tuner_;
  nlohmann::json params_;
  std::set<std::string> known_;
  nlohmann::json values_ = nlohmann::json::object();
};

}  // namespace dcoc::agents
