// Compute module: executes LOAD of UOP, ACC and ACC_8BIT, GEMM, ALU and FINISH in stream order, with
// the micro-op cache and the accumulator buffer; every accumulator write also writes the narrowed row
// to the out buffer. ACC_8BIT rows (BATCH x BLOCK_OUT int8 values) come through their own DMA reader,
// which shares the ACC reader's AXI client, and are sign-extended into accumulator rows. Token order:
// pop (pop_prev: load->compute, pop_next: store->compute) once every popped queue has a token and
// every pushed queue has room, execute, then push (push_prev: compute->load, push_next: compute->store).
//
// GEMM/ALU pipeline, one micro-op per cycle:
//   P0  loop nest (iter_out, iter_in, uop_bgn..uop_end), micro-op cache read
//   P1  row addresses = micro-op + loop offsets; read acc (and inp, wgt)
//   P2  datapath; write acc and out. A read issued in the cycle of a write to the same row returns
//       the old row (read-first RAM), so P2 forwards the previous cycle's write: back-to-back
//       micro-ops on one accumulator row run at full rate.
// A tensor-tensor ALU micro-op takes two passes through the pipeline (first reads the source row
// into a register, then the destination row), so it issues every two cycles on one acc read port;
// MOV with a tensor source does not read its destination, so its one pass reads the source row.
`include "vta_assert.svh"

module vta_compute (
  input  logic                              clk_i,
  input  logic                              rst_ni,
  // Instruction queue
  input  logic                              insn_valid_i,
  output logic                              insn_ready_o,
  input  logic [vta_pkg::INSN_BITS-1:0]     insn_i,
  // Tokens
  input  logic                              l2c_has_token_i,
  output logic                              l2c_pop_o,
  input  logic                              s2c_has_token_i,
  output logic                              s2c_pop_o,
  input  logic                              c2l_has_room_i,
  output logic                              c2l_push_o,
  input  logic                              c2s_has_room_i,
  output logic                              c2s_push_o,
  // Input and weight scratchpad read ports (written by load)
  output logic                              inp_re_o,
  output logic [vta_pkg::INP_ADDR_W-1:0]    inp_raddr_o,
  input  logic [vta_pkg::INP_ROW_BITS-1:0]  inp_rdata_i,
  output logic                              wgt_re_o,
  output logic [vta_pkg::WGT_ADDR_W-1:0]    wgt_raddr_o,
  input  logic [vta_pkg::WGT_ROW_BITS-1:0]  wgt_rdata_i,
  // Out buffer write port (read by store)
  output logic                              out_we_o,
  output logic [vta_pkg::ACC_ADDR_W-1:0]    out_waddr_o,
  output logic [vta_pkg::OUT_ROW_BITS-1:0]  out_wdata_o,
  // Status and counters
  output logic                              finish_o,
  output logic                              busy_o,
  output logic                              insn_done_o,
  output logic                              stall_l2c_o,
  output logic                              stall_s2c_o,
  output logic                              stall_c2l_o,
  output logic                              stall_c2s_o,
  output logic                              stall_mem_o,
  output logic [vta_pkg::CNT_INC_W-1:0]     bytes_o,
  output logic                              gemm_uop_o,
  output logic                              alu_uop_o,
  output logic [3:0]                        state_o,
  output logic                              oob_o,       // a scratchpad row or micro-op range out of bounds
  output logic [2:0]                        oob_buf_o,   // memory type of that buffer
  output logic [31:0]                       oob_addr_o,  // the offending row (or uop_end)
  // AXI read clients (0: UOP, 1: ACC)
  output logic [1:0]                        ar_valid_o,
  input  logic [1:0]                        ar_ready_i,
  output logic [2*vta_pkg::AXI_ADDR_W-1:0]  ar_addr_o,
  output logic [15:0]                       ar_len_o,
  input  logic [1:0]                        r_valid_i,
  output logic [1:0]                        r_ready_o,
  input  logic [vta_pkg::BUS_WIDTH-1:0]     r_data_i,
  input  logic                              r_last_i
);

  localparam int unsigned A = vta_pkg::AXI_ADDR_W;

  logic unused_uop_cmd_ready, unused_acc_cmd_ready;
  localparam int unsigned UW = vta_pkg::UOP_ADDR_W;
  localparam int unsigned DW = vta_pkg::ACC_ADDR_W;
  localparam int unsigned SW = vta_pkg::UOP_SRC_W;
  localparam int unsigned WW = vta_pkg::WGT_ADDR_W;
  localparam int unsigned LW = vta_pkg::LOOP_W;
  // Loop offsets are kept wide enough never to wrap (micro-op field + 2 x 2^14 x factor), so every row
  // address can be checked against its buffer's depth.
  localparam int unsigned DWW = DW + 16;
  localparam int unsigned SWW = SW + 16;
  localparam int unsigned WWW = WW + 16;
  localparam int unsigned AccRow = vta_pkg::ACC_ROW_BITS;
  localparam int unsigned NElem = vta_pkg::BATCH * vta_pkg::BLOCK_OUT;

  typedef enum logic [2:0] {StIdle, StExec, StDma, StLoop, StPush} state_e;

  // ---------------------------------------------------------------------------------------------
  // Instruction control
  state_e state_q;
  logic [vta_pkg::INSN_BITS-1:0] insn_q;
  vta_pkg::mem_insn_t head, mem_q;
  vta_pkg::gemm_insn_t gemm_q;
  vta_pkg::alu_insn_t alu_q;
  logic tokens_ok, accept, is_gemm, is_alu, is_finish, is_uop_load, loop_start, loop_busy;
  logic uop_cmd, acc_cmd, uop_busy, acc_busy, uop_data, uop_stall, acc_stall, is_acc8;

  assign head = insn_i;
  assign mem_q = insn_q;
  assign gemm_q = insn_q;
  assign alu_q = insn_q;
  assign tokens_ok = (!head.pop_prev || l2c_has_token_i) && (!head.pop_next || s2c_has_token_i) &&
                     (!head.push_prev || c2l_has_room_i) && (!head.push_next || c2s_has_room_i);
  assign accept = (state_q == StIdle) && insn_valid_i && tokens_ok;
  assign insn_ready_o = accept;
  assign l2c_pop_o = accept && head.pop_prev;
  assign s2c_pop_o = accept && head.pop_next;
  assign is_gemm = mem_q.opcode == vta_pkg::OPCODE_GEMM;
  assign is_alu = mem_q.opcode == vta_pkg::OPCODE_ALU;
  assign is_finish = mem_q.opcode == vta_pkg::OPCODE_FINISH;
  assign is_uop_load = mem_q.memory_type == vta_pkg::MEM_UOP;
  assign is_acc8 = mem_q.memory_type == vta_pkg::MEM_ACC_8BIT;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q <= StIdle;
      insn_q <= '0;
    end else begin
      unique case (state_q)
        StIdle: if (accept) begin
          insn_q <= insn_i;
          state_q <= StExec;
        end
        StExec: begin
          if (is_gemm || is_alu) state_q <= StLoop;
          else if (is_finish) state_q <= StPush;
          else state_q <= StDma;
        end
        StDma: if (!uop_busy && !acc_busy) state_q <= StPush;
        StLoop: if (!loop_busy) state_q <= StPush;
        StPush: state_q <= StIdle;
        default: state_q <= StIdle;
      endcase
    end
  end

  assign c2l_push_o = (state_q == StPush) && mem_q.push_prev;
  assign c2s_push_o = (state_q == StPush) && mem_q.push_next;
  assign finish_o = (state_q == StExec) && is_finish;
  assign loop_start = (state_q == StExec) && (is_gemm || is_alu);
  // Bounds: an out-of-bounds LOAD or micro-op range executes nothing; an out-of-bounds micro-op does
  // not write. Each is reported (the run goes on to FINISH).
  logic mem_oob_any, mem_oob, range_oob, uop_oob;
  logic [31:0] mem_oob_addr, uop_oob_addr;
  logic [2:0] uop_oob_buf;
  vta_mem_bounds u_bounds (
    .insn_i (mem_q),
    .store_i(1'b0),
    .depth_i(is_uop_load ? 32'(vta_pkg::UOP_DEPTH) : 32'(vta_pkg::ACC_DEPTH)),
    .oob_o  (mem_oob_any),
    .addr_o (mem_oob_addr)
  );
  assign mem_oob = (state_q == StExec) && !is_gemm && !is_alu && !is_finish && mem_oob_any;
  assign range_oob = (state_q == StExec) && (is_gemm || is_alu) &&
                     ((32'(gemm_q.uop_end) > 32'(vta_pkg::UOP_DEPTH)) || (32'(gemm_q.uop_bgn) > 32'(gemm_q.uop_end)));
  assign uop_cmd = (state_q == StExec) && !is_gemm && !is_alu && !is_finish && is_uop_load && !mem_oob_any;
  assign acc_cmd = (state_q == StExec) && !is_gemm && !is_alu && !is_finish && !is_uop_load && !mem_oob_any;
  always_comb begin
    oob_o = mem_oob || range_oob || uop_oob;
    oob_buf_o = 3'(vta_pkg::MEM_UOP);
    oob_addr_o = 32'(gemm_q.uop_end);
    if (mem_oob) begin
      oob_buf_o = is_uop_load ? 3'(vta_pkg::MEM_UOP) : 3'(vta_pkg::MEM_ACC);
      oob_addr_o = mem_oob_addr;
    end else if (uop_oob) begin
      oob_buf_o = uop_oob_buf;
      oob_addr_o = uop_oob_addr;
    end
  end

  // ---------------------------------------------------------------------------------------------
  // Micro-op cache and its DMA
  logic uop_we;
  logic [UW-1:0] uop_waddr, uop_raddr;
  logic [vta_pkg::UOP_BITS-1:0] uop_wdata;
  vta_pkg::uop_t uop_rdata;
  logic uop_re;

  vta_dma_rd #(
    .LogRowBytes(vta_pkg::LOG_UOP_BYTES),
    .ElemBits   (vta_pkg::UOP_BITS),
    .IdxW       (UW)
  ) u_dma_uop (
    .clk_i,
    .rst_ni,
    .cmd_valid_i    (uop_cmd),
    .cmd_ready_o    (unused_uop_cmd_ready),
    .cmd_base_i     (A'(mem_q.dram_base) << vta_pkg::LOG_UOP_BYTES),
    .cmd_stride_i   (A'(mem_q.x_stride) << vta_pkg::LOG_UOP_BYTES),
    .cmd_ysize_i    (mem_q.y_size),
    .cmd_xsize_i    (vta_pkg::DMA_XSIZE_W'(mem_q.x_size)),
    .cmd_ypad0_i    (mem_q.y_pad_0),
    .cmd_ypad1_i    (mem_q.y_pad_1),
    .cmd_xpad0_i    (mem_q.x_pad_0),
    .cmd_xpad1_i    (mem_q.x_pad_1),
    .cmd_pad_min_i  (1'b0),
    .cmd_idx_i      (UW'(mem_q.sram_base)),
    .busy_o         (uop_busy),
    .row_valid_o    (uop_we),
    .row_ready_i    (1'b1),
    .row_idx_o      (uop_waddr),
    .row_data_o     (uop_wdata),
    .row_from_dram_o(uop_data),
    .mem_stall_o    (uop_stall),
    .ar_valid_o     (ar_valid_o[0]),
    .ar_ready_i     (ar_ready_i[0]),
    .ar_addr_o      (ar_addr_o[0 +: vta_pkg::AXI_ADDR_W]),
    .ar_len_o       (ar_len_o[7:0]),
    .r_valid_i      (r_valid_i[0]),
    .r_ready_o      (r_ready_o[0]),
    .r_data_i,
    .r_last_i
  );

  vta_ram_1r1w #(
    .Width(vta_pkg::UOP_BITS),
    .Depth(vta_pkg::UOP_DEPTH)
  ) u_uop_ram (
    .clk_i,
    .we_i   (uop_we),
    .waddr_i(uop_waddr),
    .wdata_i(uop_wdata),
    .re_i   (uop_re),
    .raddr_i(uop_raddr),
    .rdata_o(uop_rdata)
  );

  // ---------------------------------------------------------------------------------------------
  // Accumulator buffer and its DMA readers (ACC rows, ACC_8BIT rows); one runs at a time, on AXI client 1
  localparam int unsigned Acc8Row = 8 << vta_pkg::LOG_ACC8_ROW_BYTES;
  logic acc_dma_we, acc_we, acc_re;
  logic [DW-1:0] acc_dma_waddr, acc_waddr, acc_raddr;
  logic [AccRow-1:0] acc_dma_wdata, acc_wdata, acc_rdata;
  logic a32_we, a32_busy, a32_data, a32_stall, a32_ar_valid, a32_r_ready;
  logic a8_we, a8_busy, a8_data, a8_stall, a8_ar_valid, a8_r_ready;
  logic [DW-1:0] a32_waddr, a8_waddr;
  logic [AccRow-1:0] a32_wdata;
  logic [Acc8Row-1:0] a8_wdata;
  logic [A-1:0] a32_ar_addr, a8_ar_addr;
  logic [7:0] a32_ar_len, a8_ar_len;
  logic unused_acc8_cmd_ready;

  vta_dma_rd #(
    .LogRowBytes(vta_pkg::LOG_ACC_ROW_BYTES),
    .ElemBits   (vta_pkg::ACC_WIDTH),
    .IdxW       (DW)
  ) u_dma_acc (
    .clk_i,
    .rst_ni,
    .cmd_valid_i    (acc_cmd && !is_acc8),
    .cmd_ready_o    (unused_acc_cmd_ready),
    .cmd_base_i     (A'(mem_q.dram_base) << vta_pkg::LOG_ACC_ROW_BYTES),
    .cmd_stride_i   (A'(mem_q.x_stride) << vta_pkg::LOG_ACC_ROW_BYTES),
    .cmd_ysize_i    (mem_q.y_size),
    .cmd_xsize_i    (vta_pkg::DMA_XSIZE_W'(mem_q.x_size)),
    .cmd_ypad0_i    (mem_q.y_pad_0),
    .cmd_ypad1_i    (mem_q.y_pad_1),
    .cmd_xpad0_i    (mem_q.x_pad_0),
    .cmd_xpad1_i    (mem_q.x_pad_1),
    .cmd_pad_min_i  (mem_q.pad_min),
    .cmd_idx_i      (DW'(mem_q.sram_base)),
    .busy_o         (a32_busy),
    .row_valid_o    (a32_we),
    .row_ready_i    (1'b1),
    .row_idx_o      (a32_waddr),
    .row_data_o     (a32_wdata),
    .row_from_dram_o(a32_data),
    .mem_stall_o    (a32_stall),
    .ar_valid_o     (a32_ar_valid),
    .ar_ready_i     (ar_ready_i[1] && !is_acc8),
    .ar_addr_o      (a32_ar_addr),
    .ar_len_o       (a32_ar_len),
    .r_valid_i      (r_valid_i[1] && !is_acc8),
    .r_ready_o      (a32_r_ready),
    .r_data_i,
    .r_last_i
  );

  // ACC_8BIT: padding is of int8 values too (zero, or -128 with pad_min), widened like the data.
  vta_dma_rd #(
    .LogRowBytes(vta_pkg::LOG_ACC8_ROW_BYTES),
    .ElemBits   (8),
    .IdxW       (DW)
  ) u_dma_acc8 (
    .clk_i,
    .rst_ni,
    .cmd_valid_i    (acc_cmd && is_acc8),
    .cmd_ready_o    (unused_acc8_cmd_ready),
    .cmd_base_i     (A'(mem_q.dram_base) << vta_pkg::LOG_ACC8_ROW_BYTES),
    .cmd_stride_i   (A'(mem_q.x_stride) << vta_pkg::LOG_ACC8_ROW_BYTES),
    .cmd_ysize_i    (mem_q.y_size),
    .cmd_xsize_i    (vta_pkg::DMA_XSIZE_W'(mem_q.x_size)),
    .cmd_ypad0_i    (mem_q.y_pad_0),
    .cmd_ypad1_i    (mem_q.y_pad_1),
    .cmd_xpad0_i    (mem_q.x_pad_0),
    .cmd_xpad1_i    (mem_q.x_pad_1),
    .cmd_pad_min_i  (mem_q.pad_min),
    .cmd_idx_i      (DW'(mem_q.sram_base)),
    .busy_o         (a8_busy),
    .row_valid_o    (a8_we),
    .row_ready_i    (1'b1),
    .row_idx_o      (a8_waddr),
    .row_data_o     (a8_wdata),
    .row_from_dram_o(a8_data),
    .mem_stall_o    (a8_stall),
    .ar_valid_o     (a8_ar_valid),
    .ar_ready_i     (ar_ready_i[1] && is_acc8),
    .ar_addr_o      (a8_ar_addr),
    .ar_len_o       (a8_ar_len),
    .r_valid_i      (r_valid_i[1] && is_acc8),
    .r_ready_o      (a8_r_ready),
    .r_data_i,
    .r_last_i
  );

  // The instruction (and so is_acc8) holds while either reader is busy.
  assign ar_valid_o[1] = is_acc8 ? a8_ar_valid : a32_ar_valid;
  assign ar_addr_o[vta_pkg::AXI_ADDR_W +: vta_pkg::AXI_ADDR_W] = is_acc8 ? a8_ar_addr : a32_ar_addr;
  assign ar_len_o[15:8] = is_acc8 ? a8_ar_len : a32_ar_len;
  assign r_ready_o[1] = is_acc8 ? a8_r_ready : a32_r_ready;
  assign acc_busy = a32_busy || a8_busy;
  assign acc_stall = a32_stall || a8_stall;
  assign acc_dma_we = a32_we || a8_we;
  assign acc_dma_waddr = a8_we ? a8_waddr : a32_waddr;
  for (genvar e = 0; e < NElem; e++) begin : gen_acc8_widen
    assign acc_dma_wdata[e * vta_pkg::ACC_WIDTH +: vta_pkg::ACC_WIDTH] =
        a8_we ? vta_pkg::ACC_WIDTH'($signed(a8_wdata[e * 8 +: 8]))
              : a32_wdata[e * vta_pkg::ACC_WIDTH +: vta_pkg::ACC_WIDTH];
  end

  vta_ram_1r1w #(
    .Width(AccRow),
    .Depth(vta_pkg::ACC_DEPTH)
  ) u_acc_ram (
    .clk_i,
    .we_i   (acc_we),
    .waddr_i(acc_waddr),
    .wdata_i(acc_wdata),
    .re_i   (acc_re),
    .raddr_i(acc_raddr),
    .rdata_o(acc_rdata)
  );

  // ---------------------------------------------------------------------------------------------
  // P0: loop nest
  logic g_active_q, g_phase_q, g_issue, g_two_pass, g_mov_src, g_empty;
  logic [UW:0] g_u_q;
  logic [LW-1:0] g_i0_q, g_i1_q;
  logic [DWW-1:0] g_dout_q, g_d_q;
  logic [SWW-1:0] g_sout_q, g_s_q;
  logic [WWW-1:0] g_wout_q, g_w_q;
  logic [DWW-1:0] f_dout, f_din;
  logic [SWW-1:0] f_sout, f_sin;
  logic [WWW-1:0] f_wout, f_win;

  assign f_dout = DWW'(gemm_q.dst_factor_out);
  assign f_din = DWW'(gemm_q.dst_factor_in);
  assign f_sout = is_gemm ? SWW'(gemm_q.src_factor_out) : SWW'(alu_q.src_factor_out);
  assign f_sin = is_gemm ? SWW'(gemm_q.src_factor_in) : SWW'(alu_q.src_factor_in);
  assign f_wout = WWW'(gemm_q.wgt_factor_out);
  assign f_win = WWW'(gemm_q.wgt_factor_in);
  // A tensor MOV (acc[d] = acc[s]) reads only its source row: one pass, reading s instead of d.
  assign g_mov_src = is_alu && !alu_q.reset && !alu_q.use_imm && (alu_q.alu_opcode == vta_pkg::ALU_MOV);
  assign g_two_pass = is_alu && !alu_q.reset && !alu_q.use_imm && !g_mov_src;
  assign g_empty = (gemm_q.iter_out == '0) || (gemm_q.iter_in == '0) ||
                   ((UW + 1)'(gemm_q.uop_bgn) >= gemm_q.uop_end);
  assign g_issue = g_active_q;
  assign uop_re = g_issue;
  assign uop_raddr = g_u_q[UW-1:0];

  // Micro-op loop bounds: while the loop runs, the micro-op index stays in [uop_bgn, uop_end) inside the
  // micro-op buffer and the iteration counters below their bounds; the loop runs only in StLoop.
  `VTA_ASSERT_IF(UopInRange_A, ((UW + 1)'(gemm_q.uop_bgn) <= g_u_q) && (g_u_q < gemm_q.uop_end) &&
                               (32'(gemm_q.uop_end) <= vta_pkg::UOP_DEPTH), g_active_q)
  `VTA_ASSERT_IF(IterInRange_A, (g_i0_q < gemm_q.iter_out) && (g_i1_q < gemm_q.iter_in), g_active_q)
  `VTA_ASSERT_IF(LoopInLoopState_A, state_q == StLoop, g_active_q)
  `VTA_ASSERT(StateKnown_A, state_q inside {StIdle, StExec, StDma, StLoop, StPush})

  // The loop nest advances in its always_ff: nothing to do in a cycle without a micro-op.
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      g_active_q <= 1'b0;
      g_phase_q <= 1'b0;
      g_u_q <= '0;
      g_i0_q <= '0;
      g_i1_q <= '0;
      g_dout_q <= '0;
      g_d_q <= '0;
      g_sout_q <= '0;
      g_s_q <= '0;
      g_wout_q <= '0;
      g_w_q <= '0;
    end else if (loop_start) begin
      g_active_q <= !g_empty && !range_oob;
      g_phase_q <= 1'b0;
      g_u_q <= (UW + 1)'(gemm_q.uop_bgn);
      g_i0_q <= '0;
      g_i1_q <= '0;
      g_dout_q <= '0;
      g_d_q <= '0;
      g_sout_q <= '0;
      g_s_q <= '0;
      g_wout_q <= '0;
      g_w_q <= '0;
    end else if (g_active_q) begin
      if (g_two_pass && !g_phase_q) begin
        g_phase_q <= 1'b1;
      end else begin
        g_phase_q <= 1'b0;
        if (g_u_q + 1'b1 != gemm_q.uop_end) begin
          g_u_q <= g_u_q + 1'b1;
        end else begin
          g_u_q <= (UW + 1)'(gemm_q.uop_bgn);
          if (g_i1_q + 1'b1 != gemm_q.iter_in) begin
            g_i1_q <= g_i1_q + 1'b1;
            g_d_q <= g_d_q + f_din;
            g_s_q <= g_s_q + f_sin;
            g_w_q <= g_w_q + f_win;
          end else begin
            g_i1_q <= '0;
            g_dout_q <= g_dout_q + f_dout;
            g_sout_q <= g_sout_q + f_sout;
            g_wout_q <= g_wout_q + f_wout;
            g_d_q <= g_dout_q + f_dout;
            g_s_q <= g_sout_q + f_sout;
            g_w_q <= g_wout_q + f_wout;
            if (g_i0_q + 1'b1 != gemm_q.iter_out) g_i0_q <= g_i0_q + 1'b1;
            else g_active_q <= 1'b0;
          end
        end
      end
    end
  end

  // ---------------------------------------------------------------------------------------------
  // P1: addresses and scratchpad reads
  logic p1_valid_q, p1_srcf_q;
  logic [DWW-1:0] p1_d_q, p1_dst_w;
  logic [SWW-1:0] p1_s_q, p1_src_w;
  logic [WWW-1:0] p1_w_q, p1_wgt_w;
  logic [DW-1:0] p1_dst;
  logic [SW-1:0] p1_src;
  logic [WW-1:0] p1_wgt;
  logic dst_oob, src_oob, wgt_oob, reads_src;

  assign p1_dst_w = DWW'(uop_rdata.dst) + p1_d_q;
  assign p1_src_w = SWW'(uop_rdata.src) + p1_s_q;
  assign p1_wgt_w = WWW'(uop_rdata.wgt) + p1_w_q;
  assign p1_dst = p1_dst_w[DW-1:0];
  assign p1_src = p1_src_w[SW-1:0];
  assign p1_wgt = p1_wgt_w[WW-1:0];
  // Rows each micro-op touches: dst always; src and wgt unless it resets (or uses the immediate).
  assign reads_src = !gemm_q.reset && (is_gemm || !alu_q.use_imm);
  assign dst_oob = p1_dst_w >= DWW'(vta_pkg::ACC_DEPTH);
  assign src_oob = reads_src && (is_gemm ? (p1_src_w >= SWW'(vta_pkg::INP_DEPTH)) : (p1_src_w >= SWW'(vta_pkg::ACC_DEPTH)));
  assign wgt_oob = is_gemm && !gemm_q.reset && (p1_wgt_w >= WWW'(vta_pkg::WGT_DEPTH));
  assign uop_oob = p1_valid_q && (dst_oob || src_oob || wgt_oob);
  always_comb begin
    uop_oob_buf = 3'(vta_pkg::MEM_ACC);
    uop_oob_addr = 32'(p1_dst_w);
    if (!dst_oob && src_oob) begin
      uop_oob_buf = is_gemm ? 3'(vta_pkg::MEM_INP) : 3'(vta_pkg::MEM_ACC);
      uop_oob_addr = 32'(p1_src_w);
    end else if (!dst_oob && wgt_oob) begin
      uop_oob_buf = 3'(vta_pkg::MEM_WGT);
      uop_oob_addr = 32'(p1_wgt_w);
    end
  end
  assign acc_re = p1_valid_q;
  assign acc_raddr = (p1_srcf_q || g_mov_src) ? DW'(p1_src) : p1_dst;
  assign inp_re_o = p1_valid_q && is_gemm;
  assign inp_raddr_o = vta_pkg::INP_ADDR_W'(p1_src);
  assign wgt_re_o = p1_valid_q && is_gemm;
  assign wgt_raddr_o = p1_wgt;

  // ---------------------------------------------------------------------------------------------
  // P2: execute and write back, with forwarding of the previous cycle's write
  logic p2_valid_q, p2_srcf_q;
  logic [DW-1:0] p2_d_q, p2_raddr_q;
  logic fwd_valid_q;
  logic [DW-1:0] fwd_addr_q;
  logic [AccRow-1:0] fwd_data_q, acc_val, src_q, gemm_res, alu_res, alu_v, p2_res, imm_row;
  logic p2_write, src_load;
  logic signed [vta_pkg::ACC_WIDTH-1:0] imm_ext;

  assign acc_val = (fwd_valid_q && (fwd_addr_q == p2_raddr_q)) ? fwd_data_q : acc_rdata;
  assign imm_ext = vta_pkg::ACC_WIDTH'($signed(alu_q.imm));
  assign imm_row = {NElem{imm_ext}};
  always_comb begin
    alu_v = src_q;
    if (alu_q.use_imm) alu_v = imm_row;
    else if (g_mov_src) alu_v = acc_val;  // the source row read in this pass (forwarded if just written)
  end

  vta_gemm_dp u_gemm (
    .acc_i(acc_val),
    .inp_i(inp_rdata_i),
    .wgt_i(wgt_rdata_i),
    .acc_o(gemm_res)
  );

  // Outside ALU instructions the ALU gets the one code no operation has (its default: pass a_i through),
  // so a simulator does not evaluate an operation whose result nobody reads.
  logic [2:0] alu_op;
  assign alu_op = is_alu ? alu_q.alu_opcode : 3'd7;

  vta_alu_dp u_alu (
    .op_i(alu_op),
    .a_i (acc_val),
    .v_i (alu_v),
    .y_o (alu_res)
  );

  always_comb begin
    p2_res = is_gemm ? gemm_res : alu_res;
    if (gemm_q.reset) p2_res = '0;
  end
  assign p2_write = p2_valid_q && !p2_srcf_q;
  assign src_load = p2_valid_q && p2_srcf_q;

  // Write ports: the pipeline and the ACC load never run at the same time.
  `VTA_ASSERT_ONEHOT0(OneAccWriter_A, {p2_write, acc_dma_we})
  assign acc_we = p2_write || acc_dma_we;
  assign acc_waddr = p2_write ? p2_d_q : acc_dma_waddr;
  assign acc_wdata = p2_write ? p2_res : acc_dma_wdata;
  assign out_we_o = acc_we;
  assign out_waddr_o = acc_waddr;
  for (genvar e = 0; e < NElem; e++) begin : gen_narrow
    assign out_wdata_o[e * vta_pkg::OUT_WIDTH +: vta_pkg::OUT_WIDTH] =
        acc_wdata[e * vta_pkg::ACC_WIDTH +: vta_pkg::OUT_WIDTH];
  end

  assign loop_busy = g_active_q || p1_valid_q || p2_valid_q;

  // Fields of the instruction views that this module does not read (each view is the whole word).
  logic unused_insn_bits;
  assign unused_insn_bits = ^{head, mem_q, gemm_q, alu_q, uop_rdata};

  // ---------------------------------------------------------------------------------------------
  // Status
  assign busy_o = state_q != StIdle;
  assign insn_done_o = state_q == StPush;
  assign stall_l2c_o = (state_q == StIdle) && insn_valid_i && head.pop_prev && !l2c_has_token_i;
  assign stall_s2c_o = (state_q == StIdle) && insn_valid_i && head.pop_next && !s2c_has_token_i;
  assign stall_c2l_o = (state_q == StIdle) && insn_valid_i && head.push_prev && !c2l_has_room_i;
  assign stall_c2s_o = (state_q == StIdle) && insn_valid_i && head.push_next && !c2s_has_room_i;
  assign stall_mem_o = uop_stall || acc_stall;
  assign bytes_o = (uop_data ? vta_pkg::CNT_INC_W'(1 << vta_pkg::LOG_UOP_BYTES) : '0) +
                   (a32_data ? vta_pkg::CNT_INC_W'(1 << vta_pkg::LOG_ACC_ROW_BYTES) : '0) +
                   (a8_data ? vta_pkg::CNT_INC_W'(1 << vta_pkg::LOG_ACC8_ROW_BYTES) : '0);
  assign gemm_uop_o = g_issue && is_gemm;
  assign alu_uop_o = g_issue && is_alu && !(g_two_pass && !g_phase_q);
  assign state_o = {1'b0, state_q};

  // ---------------------------------------------------------------------------------------------
  // Pipeline registers: the valid bits every cycle, the row indices only with a micro-op (they are read
  // only while their stage is valid).
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      p1_valid_q <= 1'b0;
      p1_srcf_q <= 1'b0;
      p2_valid_q <= 1'b0;
      p2_srcf_q <= 1'b0;
      fwd_valid_q <= 1'b0;
    end else begin
      p1_valid_q <= g_issue;
      p1_srcf_q <= g_two_pass && !g_phase_q;
      p2_valid_q <= p1_valid_q && !uop_oob;
      p2_srcf_q <= p1_srcf_q;
      fwd_valid_q <= acc_we;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      p1_d_q <= '0;
      p1_s_q <= '0;
      p1_w_q <= '0;
      p2_d_q <= '0;
      p2_raddr_q <= '0;
      fwd_addr_q <= '0;
    end else begin
      if (g_issue) begin
        p1_d_q <= g_d_q;
        p1_s_q <= g_s_q;
        p1_w_q <= g_w_q;
      end
      if (p1_valid_q) begin
        p2_d_q <= p1_dst;
        p2_raddr_q <= acc_raddr;
      end
      if (acc_we) fwd_addr_q <= acc_waddr;
    end
  end

  // Wide row registers load under an enable (Verilator then copies them only when they change): the
  // forwarded write (used only while fwd_valid_q) and the first pass's source row.
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      fwd_data_q <= '0;
      src_q <= '0;
    end else begin
      if (acc_we) fwd_data_q <= acc_wdata;
      if (src_load) src_q <= acc_val;
    end
  end

endmodule
