#include "host/cli/farm_options.h"

#include <algorithm>

#include "host/common/error.h"

#ifdef DCOC_CLI_WITH_SERVER
#include "host/server/client.h"
#endif

namespace dcoc::cli {

void AddFarmOptions(CLI::App* c, FarmOptions& o) {
  c->add_option("--farm", o.farm, "Measure on the measurement farm at this tracker, ADDR:PORT, instead of local workers");
  c->add_option("--key", o.key, "With --farm: this client's key file (dcoc farm keygen)");
  c->add_option("--farm-board", o.board, "With --farm: only on workers of this board");
  c->add_option("--tls-ca", o.tls_ca, "With --farm: TLS, verifying the tracker with this CA (PEM)");
  c->add_option("--tls-cert", o.tls_cert, "With --farm: this client's TLS certificate (PEM)");
  c->add_option("--tls-key", o.tls_key, "With --farm: this client's TLS private key (PEM)");
}

std::shared_ptr<measure::Executor> FarmExecutor(const FarmOptions& o) {
  if (o.farm.empty()) {
    if (!o.key.empty() || !o.board.empty()) throw UsageError("--key and --farm-board go with --farm ADDR:PORT");
    return nullptr;
  }
#ifdef DCOC_CLI_WITH_SERVER
  if (o.key.empty()) throw UsageError("--farm needs --key FILE (a client key)");
  server::ClientOptions co;
  co.peer.tracker = o.farm;
  co.peer.key = server::LoadKey(o.key);
  co.peer.tls = {o.tls_cert, o.tls_key, o.tls_ca};
  co.peer.log = server::Logger("farm");
  co.board = o.board;
  return std::make_shared<server::FarmClient>(co);
#else
  throw UsageError("this dcoc was built without the measurement farm (Boost and OpenSSL)");
#endif
}

int FarmSlots(const std::shared_ptr<measure::Executor>& executor) {
  int slots = 0;
#ifdef DCOC_CLI_WITH_SERVER
  if (auto* client = dynamic_cast<server::FarmClient*>(executor.get()))
    for (const nlohmann::json& w : client->Status()["workers"]) slots += w.value("slots", 0);
#else
  (void)executor;
#endif
  return std::max(1, slots);
}

}  // namespace dcoc::cli
