// Synthesis tops for Vitis HLS: one IP per process, as in VTA's HLS block design. Fetch is started by
// the host through its AXI4-Lite control port; load, compute and store run free (ap_ctrl_none) and
// block on their streams, so the hardware needs no scheduler: a pop waits for its token, a push for
// room. The IPs share the scratchpads through BRAM ports (load writes INP/WGT, compute reads them;
// compute writes OUT, store reads it). The C simulation (RunKernel) calls the same step functions.
//
// vitis_hls.tcl (written by `dcoc hls gen`) synthesizes each top. This file is not compiled for C
// simulation, and it has not been synthesized on the machines dcoc is developed on (no Vitis there).
#if defined(__SYNTHESIS__) || defined(DCOC_HLS_VITIS)
#include "vta_kernel.h"

void vta_fetch(uint32_t insn_count, uint64_t insn_addr, insn_T* insns, insn_queue_T& load_q, insn_queue_T& compute_q,
               insn_queue_T& store_q, KernelStatus& status) {
#pragma HLS INTERFACE s_axilite port = insn_count bundle = control
#pragma HLS INTERFACE s_axilite port = insn_addr bundle = control
#pragma HLS INTERFACE s_axilite port = status bundle = control
#pragma HLS INTERFACE s_axilite port = return bundle = control
#pragma HLS INTERFACE m_axi port = insns offset = direct bundle = insn_port max_read_burst_length = 256
#pragma HLS INTERFACE axis port = load_q
#pragma HLS INTERFACE axis port = compute_q
#pragma HLS INTERFACE axis port = store_q
  Fetch(insn_count, insn_addr / (kInsnBits / 8), insns, load_q, compute_q, store_q, status);
}

void vta_load(insn_queue_T& load_q, dep_queue_T& c2l, dep_queue_T& l2c, inp_row_T* inputs, wgt_row_T* weights,
              VTA_INP_MEM, VTA_WGT_MEM, KernelStatus& status) {
#pragma HLS INTERFACE ap_ctrl_none port = return
#pragma HLS INTERFACE axis port = load_q
#pragma HLS INTERFACE axis port = c2l
#pragma HLS INTERFACE axis port = l2c
#pragma HLS INTERFACE m_axi port = inputs offset = direct bundle = data_port
#pragma HLS INTERFACE m_axi port = weights offset = direct bundle = data_port
#pragma HLS INTERFACE bram port = inp
#pragma HLS INTERFACE bram port = wgt
#pragma HLS INTERFACE ap_none port = status
#pragma HLS ARRAY_PARTITION variable = inp complete dim = 2
#pragma HLS ARRAY_PARTITION variable = inp complete dim = 3
#pragma HLS ARRAY_PARTITION variable = wgt complete dim = 2
#pragma HLS ARRAY_PARTITION variable = wgt complete dim = 3
  for (;;) LoadStep(load_q.read(), inputs, weights, c2l, l2c, inp, wgt, status);
}

void vta_compute(insn_queue_T& compute_q, dep_queue_T& l2c, dep_queue_T& c2l, dep_queue_T& c2s, dep_queue_T& s2c,
                 uop_T* uops, acc_row_T* accs, acc8_row_T* acc8s, VTA_UOP_MEM, VTA_INP_MEM, VTA_WGT_MEM, VTA_ACC_MEM,
                 VTA_OUT_MEM,
                 KernelStatus& status, hls::stream<bool>& done) {
#pragma HLS INTERFACE ap_ctrl_none port = return
#pragma HLS INTERFACE axis port = compute_q
#pragma HLS INTERFACE axis port = l2c
#pragma HLS INTERFACE axis port = c2l
#pragma HLS INTERFACE axis port = c2s
#pragma HLS INTERFACE axis port = s2c
#pragma HLS INTERFACE axis port = done
#pragma HLS INTERFACE m_axi port = uops offset = direct bundle = data_port
#pragma HLS INTERFACE m_axi port = accs offset = direct bundle = data_port
#pragma HLS INTERFACE m_axi port = acc8s offset = direct bundle = data_port
#pragma HLS INTERFACE bram port = inp
#pragma HLS INTERFACE bram port = wgt
#pragma HLS INTERFACE bram port = out
#pragma HLS INTERFACE ap_none port = status
#pragma HLS ARRAY_PARTITION variable = inp complete dim = 2
#pragma HLS ARRAY_PARTITION variable = inp complete dim = 3
#pragma HLS ARRAY_PARTITION variable = wgt complete dim = 2
#pragma HLS ARRAY_PARTITION variable = wgt complete dim = 3
#pragma HLS ARRAY_PARTITION variable = acc complete dim = 2
#pragma HLS ARRAY_PARTITION variable = acc complete dim = 3
#pragma HLS ARRAY_PARTITION variable = out complete dim = 2
#pragma HLS ARRAY_PARTITION variable = out complete dim = 3
  for (;;)
    if (ComputeStep(compute_q.read(), uops, accs, acc8s, l2c, c2l, c2s, s2c, uop, inp, wgt, acc, out, status))
      done.write(true);
}

void vta_store(insn_queue_T& store_q, dep_queue_T& c2s, dep_queue_T& s2c, out_row_T* outputs, VTA_OUT_MEM,
               KernelStatus& status) {
#pragma HLS INTERFACE ap_ctrl_none port = return
#pragma HLS INTERFACE axis port = store_q
#pragma HLS INTERFACE axis port = c2s
#pragma HLS INTERFACE axis port = s2c
#pragma HLS INTERFACE m_axi port = outputs offset = direct bundle = data_port
#pragma HLS INTERFACE bram port = out
#pragma HLS INTERFACE ap_none port = status
#pragma HLS ARRAY_PARTITION variable = out complete dim = 2
#pragma HLS ARRAY_PARTITION variable = out complete dim = 3
  for (;;) StoreStep(store_q.read(), outputs, c2s, s2c, out, status);
}
#endif
