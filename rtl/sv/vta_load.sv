// Load module: executes LOAD of INP and WGT, in stream order. An instruction waits until its
// compute->load token (pop_next) is there and load->compute has room (push_next), pops, runs the
// 2-D DMA into the scratchpad, and pushes when the last row is written.
module vta_load (
  input  logic                              clk_i,
  input  logic                              rst_ni,
  // Instruction queue
  input  logic                              insn_valid_i,
  output logic                              insn_ready_o,
  input  logic [vta_pkg::INSN_BITS-1:0]     insn_i,
  // Tokens
  input  logic                              c2l_has_token_i,
  output logic                              c2l_pop_o,
  input  logic                              l2c_has_room_i,
  output logic                              l2c_push_o,
  // Scratchpad write ports
  output logic                              inp_we_o,
  output logic [vta_pkg::INP_ADDR_W-1:0]    inp_waddr_o,
  output logic [vta_pkg::INP_ROW_BITS-1:0]  inp_wdata_o,
  output logic                              wgt_we_o,
  output logic [vta_pkg::WGT_ADDR_W-1:0]    wgt_waddr_o,
  output logic [vta_pkg::WGT_ROW_BITS-1:0]  wgt_wdata_o,
  // Status and counters
  output logic                              busy_o,
  output logic                              insn_done_o,
  output logic                              stall_c2l_o,
  output logic                              stall_l2c_o,
  output logic                              stall_mem_o,
  output logic [vta_pkg::CNT_INC_W-1:0]     bytes_o,
  output logic [3:0]                        state_o,
  output logic                              oob_o,       // the instruction lies outside its scratchpad
  output logic [2:0]                        oob_buf_o,   // memory type of that scratchpad
  output logic [31:0]                       oob_addr_o,  // first row past the end it touches
  // AXI read clients (0: INP, 1: WGT)
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

  logic unused_inp_cmd_ready, unused_wgt_cmd_ready;

  typedef enum logic [1:0] {StIdle, StCmd, StRun, StPush} state_e;
  state_e state_q;
  vta_pkg::mem_insn_t insn_q, head;
  logic tokens_ok, accept, is_wgt;
  logic inp_cmd, wgt_cmd, inp_busy, wgt_busy, inp_data, wgt_data, inp_stall, wgt_stall;
  logic [A-1:0] inp_base, wgt_base, inp_stride, wgt_stride;

  assign head = insn_i;
  assign tokens_ok = (!head.pop_next || c2l_has_token_i) && (!head.push_next || l2c_has_room_i);
  assign accept = (state_q == StIdle) && insn_valid_i && tokens_ok;
  assign insn_ready_o = accept;
  assign c2l_pop_o = accept && head.pop_next;
  assign is_wgt = insn_q.memory_type == vta_pkg::MEM_WGT;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q <= StIdle;
      insn_q <= '0;
    end else begin
      unique case (state_q)
        StIdle: if (accept) begin
          insn_q <= head;
          state_q <= StCmd;
        end
        StCmd: state_q <= StRun;
        StRun: if (!inp_busy && !wgt_busy) state_q <= StPush;
        StPush: state_q <= StIdle;
        default: state_q <= StIdle;
      endcase
    end
  end

  assign l2c_push_o = (state_q == StPush) && insn_q.push_next;
  // An out-of-bounds instruction moves nothing (it is reported and the run goes on to FINISH).
  logic oob;
  vta_mem_bounds u_bounds (
    .insn_i (insn_q),
    .store_i(1'b0),
    .depth_i(is_wgt ? 32'(vta_pkg::WGT_DEPTH) : 32'(vta_pkg::INP_DEPTH)),
    .oob_o  (oob),
    .addr_o (oob_addr_o)
  );
  assign oob_o = (state_q == StCmd) && oob;
  assign oob_buf_o = is_wgt ? 3'(vta_pkg::MEM_WGT) : 3'(vta_pkg::MEM_INP);
  assign inp_cmd = (state_q == StCmd) && !is_wgt && !oob;
  assign wgt_cmd = (state_q == StCmd) && is_wgt && !oob;
  assign inp_base = A'(insn_q.dram_base) << vta_pkg::LOG_INP_ROW_BYTES;
  assign wgt_base = A'(insn_q.dram_base) << vta_pkg::LOG_WGT_ROW_BYTES;
  assign inp_stride = A'(insn_q.x_stride) << vta_pkg::LOG_INP_ROW_BYTES;
  assign wgt_stride = A'(insn_q.x_stride) << vta_pkg::LOG_WGT_ROW_BYTES;

  vta_dma_rd #(
    .LogRowBytes(vta_pkg::LOG_INP_ROW_BYTES),
    .ElemBits   (vta_pkg::INP_WIDTH),
    .IdxW       (vta_pkg::INP_ADDR_W)
  ) u_dma_inp (
    .clk_i,
    .rst_ni,
    .cmd_valid_i    (inp_cmd),
    .cmd_ready_o    (unused_inp_cmd_ready),
    .cmd_base_i     (inp_base),
    .cmd_stride_i   (inp_stride),
    .cmd_ysize_i    (insn_q.y_size),
    .cmd_xsize_i    (vta_pkg::DMA_XSIZE_W'(insn_q.x_size)),
    .cmd_ypad0_i    (insn_q.y_pad_0),
    .cmd_ypad1_i    (insn_q.y_pad_1),
    .cmd_xpad0_i    (insn_q.x_pad_0),
    .cmd_xpad1_i    (insn_q.x_pad_1),
    .cmd_pad_min_i  (insn_q.pad_min),
    .cmd_idx_i      (vta_pkg::INP_ADDR_W'(insn_q.sram_base)),
    .busy_o         (inp_busy),
    .row_valid_o    (inp_we_o),
    .row_ready_i    (1'b1),
    .row_idx_o      (inp_waddr_o),
    .row_data_o     (inp_wdata_o),
    .row_from_dram_o(inp_data),
    .mem_stall_o    (inp_stall),
    .ar_valid_o     (ar_valid_o[0]),
    .ar_ready_i     (ar_ready_i[0]),
    .ar_addr_o      (ar_addr_o[0 +: vta_pkg::AXI_ADDR_W]),
    .ar_len_o       (ar_len_o[7:0]),
    .r_valid_i      (r_valid_i[0]),
    .r_ready_o      (r_ready_o[0]),
    .r_data_i,
    .r_last_i
  );

  vta_dma_rd #(
    .LogRowBytes(vta_pkg::LOG_WGT_ROW_BYTES),
    .ElemBits   (vta_pkg::WGT_WIDTH),
    .IdxW       (vta_pkg::WGT_ADDR_W)
  ) u_dma_wgt (
    .clk_i,
    .rst_ni,
    .cmd_valid_i    (wgt_cmd),
    .cmd_ready_o    (unused_wgt_cmd_ready),
    .cmd_base_i     (wgt_base),
    .cmd_stride_i   (wgt_stride),
    .cmd_ysize_i    (insn_q.y_size),
    .cmd_xsize_i    (vta_pkg::DMA_XSIZE_W'(insn_q.x_size)),
    .cmd_ypad0_i    (insn_q.y_pad_0),
    .cmd_ypad1_i    (insn_q.y_pad_1),
    .cmd_xpad0_i    (insn_q.x_pad_0),
    .cmd_xpad1_i    (insn_q.x_pad_1),
    .cmd_pad_min_i  (insn_q.pad_min),
    .cmd_idx_i      (vta_pkg::WGT_ADDR_W'(insn_q.sram_base)),
    .busy_o         (wgt_busy),
    .row_valid_o    (wgt_we_o),
    .row_ready_i    (1'b1),
    .row_idx_o      (wgt_waddr_o),
    .row_data_o     (wgt_wdata_o),
    .row_from_dram_o(wgt_data),
    .mem_stall_o    (wgt_stall),
    .ar_valid_o     (ar_valid_o[1]),
    .ar_ready_i     (ar_ready_i[1]),
    .ar_addr_o      (ar_addr_o[vta_pkg::AXI_ADDR_W +: vta_pkg::AXI_ADDR_W]),
    .ar_len_o       (ar_len_o[15:8]),
    .r_valid_i      (r_valid_i[1]),
    .r_ready_o      (r_ready_o[1]),
    .r_data_i,
    .r_last_i
  );

  assign busy_o = state_q != StIdle;
  assign insn_done_o = state_q == StPush;
  assign stall_c2l_o = (state_q == StIdle) && insn_valid_i && head.pop_next && !c2l_has_token_i;
  assign stall_l2c_o = (state_q == StIdle) && insn_valid_i && head.push_next && !l2c_has_room_i;
  assign stall_mem_o = inp_stall || wgt_stall;
  assign bytes_o = (inp_data ? vta_pkg::CNT_INC_W'(1 << vta_pkg::LOG_INP_ROW_BYTES) : '0) +
                   (wgt_data ? vta_pkg::CNT_INC_W'(1 << vta_pkg::LOG_WGT_ROW_BYTES) : '0);
  assign state_o = {2'b0, state_q};

endmodule
