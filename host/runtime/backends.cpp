#include "host/runtime/backends.h"

#include "host/runtime/fsim_device.h"
#if DCOC_BACKEND_VERILATOR
#include "host/runtime/verilator_device.h"
#endif
#if DCOC_BACKEND_SYSTEMC
#include "sim/systemc/sc_board.h"
#endif
#if DCOC_BACKEND_HLS_CSIM
#include "hls/csim/csim_device.h"
#endif

namespace dcoc::runtime {

Registry BuiltinBackends() {
  Registry r;
  AddFsimBackend(r);
#if DCOC_BACKEND_VERILATOR
  AddVerilatorBackend(r);
#endif
#if DCOC_BACKEND_SYSTEMC
  sim::AddSystemcBackend(r);
#endif
#if DCOC_BACKEND_HLS_CSIM
  hls::AddHlsCsimBackend(r);
#endif
  return r;
}

}  // namespace dcoc::runtime
