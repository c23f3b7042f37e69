// The HLS types of the kernel: Vitis HLS's own headers under synthesis, their C-simulation stand-ins
// (csim_types.h) under g++. Rows wider than ap_int.h's default 1024 bits (weights of 16x16 int8 are
// 2048) need AP_INT_MAX_W.
#pragma once

#if defined(__SYNTHESIS__) || defined(DCOC_HLS_VITIS)
#define AP_INT_MAX_W 32768
#include <ap_int.h>
#include <hls_stream.h>
#else
#include "csim_types.h"
#endif
