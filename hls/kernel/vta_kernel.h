// VTA++ as Vitis-HLS-style C++: the types and process interfaces of the kernel. Every width, depth and
// field position comes from vta_config.h, which `dcoc hls gen` writes from the spec library for one
// configuration (the same tables the RTL package comes from).
//
// Processes (one IP each in a block design, as in VTA's HLS design), connected only by streams:
//   fetch   reads the instruction stream from DRAM and routes each word into the load, compute or store
//           instruction queue (LOAD INP/WGT -> load; LOAD UOP/ACC/ACC_8BIT, GEMM, ALU, FINISH -> compute;
//           STORE -> store);
//   load    executes LOADs into the input and weight scratchpads;
//   compute executes micro-op and accumulator LOADs (ACC_8BIT: int8 rows sign-extended), GEMM, ALU and
//           FINISH;
//   store   executes STOREs from the output buffer.
// The four dependency queues carry tokens load->compute, compute->load, compute->store and
// store->compute; an instruction pops before it executes and pushes after. Each *Step function
// executes one instruction; in hardware a free-running loop calls it, and for C simulation
// RunKernel (vta_kernel.cpp) schedules the three steps round-robin, as a hardware run interleaves them.
#pragma once

#include <cstdint>

#include "hls_types.h"
#include "kernel_status.h"
#include "vta_config.h"

typedef ap_uint<kInsnBits> insn_T;
typedef ap_uint<kUopBits> uop_T;
typedef ap_uint<kInpRowBits> inp_row_T;
typedef ap_uint<kWgtRowBits> wgt_row_T;
typedef ap_uint<kAccRowBits> acc_row_T;
typedef ap_uint<kAcc8RowBits> acc8_row_T;
typedef ap_uint<kOutRowBits> out_row_T;
typedef ap_int<kInpBits> inp_T;
typedef ap_int<kWgtBits> wgt_T;
typedef ap_int<kAccBits> acc_T;
typedef ap_int<kOutBits> out_T;
// A dot product of BLOCK_IN products, exact before it wraps into the accumulator.
typedef ap_int<kInpBits + kWgtBits + kLogBlockIn + 1> sum_T;

// The scratchpads, element-wise (the arrays are partitioned along the vector dimensions).
struct Scratchpads {
  uop_T uop[kUopDepth];
  inp_T inp[kInpDepth][kBatch][kBlockIn];
  wgt_T wgt[kWgtDepth][kBlockOut][kBlockIn];
  acc_T acc[kAccDepth][kBatch][kBlockOut];
  out_T out[kOutDepth][kBatch][kBlockOut];
};

// An instruction in a module queue, with its position in the stream (for error messages).
struct QueuedInsn {
  insn_T word;
  uint32_t index;
};

typedef hls::stream<QueuedInsn> insn_queue_T;
typedef hls::stream<bool> dep_queue_T;

// DRAM as seen through the kernel's AXI master ports: row arrays in hardware, bounds-checked views of
// the device memory in C simulation.
#if defined(__SYNTHESIS__) || defined(DCOC_HLS_VITIS)
template <class Row>
using port_T = Row*;
#else
#include "csim_port.h"
template <class Row>
using port_T = csim::Port<Row>;
#endif

struct Ports {
  port_T<insn_T> insns;
  port_T<uop_T> uops;
  port_T<inp_row_T> inputs;
  port_T<wgt_row_T> weights;
  port_T<acc_row_T> accs;
  port_T<acc8_row_T> acc8s;
  port_T<out_row_T> outputs;
};

// The scratchpads as the processes see them (block RAMs: load writes INP and WGT, compute reads them
// and owns UOP, ACC and OUT, store reads OUT).
#define VTA_UOP_MEM uop_T uop[kUopDepth]
#define VTA_INP_MEM inp_T inp[kInpDepth][kBatch][kBlockIn]
#define VTA_WGT_MEM wgt_T wgt[kWgtDepth][kBlockOut][kBlockIn]
#define VTA_ACC_MEM acc_T acc[kAccDepth][kBatch][kBlockOut]
#define VTA_OUT_MEM out_T out[kOutDepth][kBatch][kBlockOut]

void Fetch(uint32_t insn_count, uint64_t insn_row, port_T<insn_T> insns, insn_queue_T& load_q,
           insn_queue_T& compute_q, insn_queue_T& store_q, KernelStatus& st);
void LoadStep(const QueuedInsn& in, port_T<inp_row_T> inputs, port_T<wgt_row_T> weights, dep_queue_T& c2l,
              dep_queue_T& l2c, VTA_INP_MEM, VTA_WGT_MEM, KernelStatus& st);
// Returns true when the instruction was FINISH.
bool ComputeStep(const QueuedInsn& in, port_T<uop_T> uops, port_T<acc_row_T> accs, port_T<acc8_row_T> acc8s,
                 dep_queue_T& l2c,
                 dep_queue_T& c2l, dep_queue_T& c2s, dep_queue_T& s2c, VTA_UOP_MEM, VTA_INP_MEM, VTA_WGT_MEM,
                 VTA_ACC_MEM, VTA_OUT_MEM, KernelStatus& st);
void StoreStep(const QueuedInsn& in, port_T<out_row_T> outputs, dep_queue_T& c2s, dep_queue_T& s2c, VTA_OUT_MEM,
               KernelStatus& st);

// C simulation top: fetches the stream at row `insn_row` of the instruction port, then runs the three
// modules until FINISH (or an error). Scratchpads persist across runs, as on hardware.
void RunKernel(uint32_t insn_count, uint64_t insn_row, const Ports& ports, Scratchpads& sp, KernelStatus& st);
