// The options that send a command's measurements to the farm instead of local workers (`dcoc tune`,
// `dcoc layer search`): --farm ADDR:PORT --key FILE [--tls-ca ...].
#pragma once

#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "host/measure/executor.h"

namespace dcoc::cli {

struct FarmOptions {
  std::string farm, key, tls_ca, tls_cert, tls_key, board;
};
void AddFarmOptions(CLI::App* c, FarmOptions& o);
// The farm client when --farm was given (connected; Error when it cannot be reached), else null.
std::shared_ptr<measure::Executor> FarmExecutor(const FarmOptions& o);
// The measurement slots of the workers in the farm now (at least 1), for sizing batches: 1 when
// `executor` is not a farm client.
int FarmSlots(const std::shared_ptr<measure::Executor>& executor);

}  // namespace dcoc::cli
