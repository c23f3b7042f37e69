// The entry point of libdcoc_dcoc.so, which `dcoc tune --tuner dcoc` loads when it is asked for
// (LibTorch's ~230 libraries then load only for it; agents/CMakeLists.txt). Errors travel back as text,
// not as exceptions across the library boundary.
#include <exception>
#include <string>

#include "agents/dcoc/dcoc.h"

extern "C" dcoc::agents::codesign::CoTuner* dcoc_create_codesign(const dcoc::agents::codesign::Problem* problem,
                                                                 const dcoc::agents::TunerOptions* opts,
                                                                 std::string* error) {
  try {
    return dcoc::agents::codesign::Create(*problem, *opts).release();
  } catch (const std::exception& e) {
    *error = e.what();
    return nullptr;
  }
}
