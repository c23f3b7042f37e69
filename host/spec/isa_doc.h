// Generates the ISA reference (docs/isa.md) from the layout table, so the document cannot drift.
#pragma once

#include <string>

#include "host/spec/hw_config.h"

namespace dcoc::spec {
std::string IsaDoc(const Spec& spec);
}  // namespace dcoc::spec
