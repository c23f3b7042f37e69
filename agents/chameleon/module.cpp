// The entry point of libdcoc_chameleon.so, which the registry loads when the chameleon tuner is asked
// for (agents/CMakeLists.txt says why). Errors travel back as text, not as exceptions across the
// library boundary.
#include <exception>
#include <string>

#include "agents/chameleon/chameleon.h"

extern "C" dcoc::agents::Tuner* dcoc_create_chameleon(const dcoc::agents::Space* space,
                                                      const dcoc::agents::TunerOptions* opts, std::string* error) {
  try {
    return dcoc::agents::chameleon::Create(*space, *opts).release();
  } catch (const std::exception& e) {
    *error = e.what();
    return nullptr;
  }
}
