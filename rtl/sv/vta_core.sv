// VTA++ core: fetch, the three module instruction queues, load, compute, store, the four
// dependency-token queues, the input/weight/out scratchpads, the AXI4 read arbiter and the AXI4-Lite
// register file. AXI read IDs: 0 fetch, 1 INP, 2 WGT, 3 UOP, 4 ACC.
module vta_core (
  input  logic                              clk_i,
  input  logic                              rst_ni,
  input  logic                              s_axil_awvalid_i,
  output logic                              s_axil_awready_o,
  input  logic [vta_pkg::AXIL_ADDR_W-1:0]   s_axil_awaddr_i,
  input  logic                              s_axil_wvalid_i,
  output logic                              s_axil_wready_o,
  input  logic [vta_pkg::AXIL_DATA_W-1:0]   s_axil_wdata_i,
  output logic                              s_axil_bvalid_o,
  input  logic                              s_axil_bready_i,
  input  logic                              s_axil_arvalid_i,
  output logic                              s_axil_arready_o,
  input  logic [vta_pkg::AXIL_ADDR_W-1:0]   s_axil_araddr_i,
  output logic                              s_axil_rvalid_o,
  input  logic                              s_axil_rready_i,
  output logic [vta_pkg::AXIL_DATA_W-1:0]   s_axil_rdata_o,
  output logic                              m_axi_arvalid_o,
  input  logic                              m_axi_arready_i,
  output logic [vta_pkg::AXI_ID_W-1:0]      m_axi_arid_o,
  output logic [vta_pkg::AXI_ADDR_W-1:0]    m_axi_araddr_o,
  output logic [7:0]                        m_axi_arlen_o,
  output logic [2:0]                        m_axi_arsize_o,
  output logic [1:0]                        m_axi_arburst_o,
  input  logic                              m_axi_rvalid_i,
  output logic                              m_axi_rready_o,
  input  logic [vta_pkg::AXI_ID_W-1:0]      m_axi_rid_i,
  input  logic [vta_pkg::BUS_WIDTH-1:0]     m_axi_rdata_i,
  input  logic                              m_axi_rlast_i,
  output logic                              m_axi_awvalid_o,
  input  logic                              m_axi_awready_i,
  output logic [vta_pkg::AXI_ADDR_W-1:0]    m_axi_awaddr_o,
  output logic [7:0]                        m_axi_awlen_o,
  output logic [2:0]                        m_axi_awsize_o,
  output logic [1:0]                        m_axi_awburst_o,
  output logic                              m_axi_wvalid_o,
  input  logic                              m_axi_wready_i,
  output logic [vta_pkg::BUS_WIDTH-1:0]     m_axi_wdata_o,
  output logic [vta_pkg::BUS_BYTES-1:0]     m_axi_wstrb_o,
  output logic                              m_axi_wlast_o,
  input  logic                              m_axi_bvalid_i,
  output logic                              m_axi_bready_o,
  output logic                              irq_o
);

  localparam int unsigned NRd = 5;
  localparam int unsigned IB = vta_pkg::INSN_BITS;
  localparam int unsigned QW = $clog2(vta_pkg::INSN_QUEUE_DEPTH) + 1;

  // Run control
  logic start, running, finish, bad_insn, finish_race;
  logic [vta_pkg::AXI_ADDR_W-1:0] insn_addr;
  logic [vta_pkg::DMA_XSIZE_W-1:0] insn_count;
  logic [vta_pkg::NUM_COUNTERS*vta_pkg::CNT_INC_W-1:0] cnt_inc;
  logic [4*vta_pkg::TOKEN_CNT_W-1:0] tokens;
  logic [3:0] st_fetch, st_load, st_compute, st_store;

  // Read arbiter clients
  logic [NRd-1:0] c_ar_valid, c_ar_ready, c_r_valid, c_r_ready;
  logic [NRd*vta_pkg::AXI_ADDR_W-1:0] c_ar_addr;
  logic [NRd*8-1:0] c_ar_len;

  // Fetch and instruction queues
  logic [IB-1:0] f_insn, lq_insn, cq_insn, sq_insn;
  logic f_load_valid, f_load_ready, f_comp_valid, f_comp_ready, f_store_valid, f_store_ready;
  logic lq_valid, lq_ready, cq_valid, cq_ready, sq_valid, sq_ready;
  logic [QW-1:0] unused_lq_count, unused_cq_count, unused_sq_count;
  logic f_busy, f_insn_ev, f_stall, f_bytes;

  // Tokens: 0 load->compute, 1 compute->load, 2 compute->store, 3 store->compute
  logic [3:0] tq_push, tq_pop, tq_has_token, tq_has_room;

  // Scratchpads
  logic inp_we, inp_re, wgt_we, wgt_re, out_we, out_re;
  logic [vta_pkg::INP_ADDR_W-1:0] inp_waddr, inp_raddr;
  logic [vta_pkg::WGT_ADDR_W-1:0] wgt_waddr, wgt_raddr;
  logic [vta_pkg::ACC_ADDR_W-1:0] out_waddr, out_raddr;
  logic [vta_pkg::INP_ROW_BITS-1:0] inp_wdata, inp_rdata;
  logic [vta_pkg::WGT_ROW_BITS-1:0] wgt_wdata, wgt_rdata;
  logic [vta_pkg::OUT_ROW_BITS-1:0] out_wdata, out_rdata;

  // Module status
  logic l_busy, l_done, l_stall_c2l, l_stall_l2c, l_stall_mem;
  logic c_busy, c_done, c_stall_l2c, c_stall_s2c, c_stall_c2l, c_stall_c2s, c_stall_mem, c_gemm, c_alu;
  logic s_busy, s_done, s_stall_c2s, s_stall_s2c, s_stall_mem;
  logic [vta_pkg::CNT_INC_W-1:0] l_bytes, c_bytes, s_bytes;

  // Bounds errors (first of load, compute, store in a cycle)
  logic l_oob, c_oob, s_oob, oob;
  logic [2:0] l_oob_buf, c_oob_buf, oob_buf;
  logic [31:0] l_oob_addr, c_oob_addr, s_oob_addr, oob_addr;
  logic [1:0] oob_module;

  vta_axil_regs u_regs (
    .clk_i,
    .rst_ni,
    .awvalid_i    (s_axil_awvalid_i),
    .awready_o    (s_axil_awready_o),
    .awaddr_i     (s_axil_awaddr_i),
    .wvalid_i     (s_axil_wvalid_i),
    .wready_o     (s_axil_wready_o),
    .wdata_i      (s_axil_wdata_i),
    .bvalid_o     (s_axil_bvalid_o),
    .bready_i     (s_axil_bready_i),
    .arvalid_i    (s_axil_arvalid_i),
    .arready_o    (s_axil_arready_o),
    .araddr_i     (s_axil_araddr_i),
    .rvalid_o     (s_axil_rvalid_o),
    .rready_i     (s_axil_rready_i),
    .rdata_o      (s_axil_rdata_o),
    .start_o      (start),
    .running_o    (running),
    .insn_addr_o  (insn_addr),
    .insn_count_o (insn_count),
    .finish_i     (finish),
    .bad_insn_i   (bad_insn),
    .finish_race_i(finish_race),
    .oob_i        (oob),
    .oob_module_i (oob_module),
    .oob_buf_i    (oob_buf),
    .oob_addr_i   (oob_addr),
    .irq_o,
    .tokens_i     (tokens),
    .state_i      ({st_store, st_compute, st_load, st_fetch}),
    .queues_i     ({sq_valid, cq_valid, lq_valid}),
    .cnt_inc_i    (cnt_inc)
  );

  vta_fetch u_fetch (
    .clk_i,
    .rst_ni,
    .start_i        (start),
    .insn_addr_i    (insn_addr),
    .insn_count_i   (insn_count),
    .insn_o         (f_insn),
    .load_valid_o   (f_load_valid),
    .load_ready_i   (f_load_ready),
    .compute_valid_o(f_comp_valid),
    .compute_ready_i(f_comp_ready),
    .store_valid_o  (f_store_valid),
    .store_ready_i  (f_store_ready),
    .busy_o         (f_busy),
    .bad_insn_o     (bad_insn),
    .insn_o_event_o (f_insn_ev),
    .stall_queue_o  (f_stall),
    .bytes_event_o  (f_bytes),
    .state_o        (st_fetch),
    .ar_valid_o     (c_ar_valid[0]),
    .ar_ready_i     (c_ar_ready[0]),
    .ar_addr_o      (c_ar_addr[0 +: vta_pkg::AXI_ADDR_W]),
    .ar_len_o       (c_ar_len[7:0]),
    .r_valid_i      (c_r_valid[0]),
    .r_ready_o      (c_r_ready[0]),
    .r_data_i       (m_axi_rdata_i),
    .r_last_i       (m_axi_rlast_i)
  );

  vta_fifo #(.Width(IB), .Depth(vta_pkg::INSN_QUEUE_DEPTH)) u_load_q (
    .clk_i, .rst_ni,
    .wvalid_i(f_load_valid), .wready_o(f_load_ready), .wdata_i(f_insn),
    .rvalid_o(lq_valid), .rready_i(lq_ready), .rdata_o(lq_insn), .count_o(unused_lq_count)
  );
  vta_fifo #(.Width(IB), .Depth(vta_pkg::INSN_QUEUE_DEPTH)) u_compute_q (
    .clk_i, .rst_ni,
    .wvalid_i(f_comp_valid), .wready_o(f_comp_ready), .wdata_i(f_insn),
    .rvalid_o(cq_valid), .rready_i(cq_ready), .rdata_o(cq_insn), .count_o(unused_cq_count)
  );
  vta_fifo #(.Width(IB), .Depth(vta_pkg::INSN_QUEUE_DEPTH)) u_store_q (
    .clk_i, .rst_ni,
    .wvalid_i(f_store_valid), .wready_o(f_store_ready), .wdata_i(f_insn),
    .rvalid_o(sq_valid), .rready_i(sq_ready), .rdata_o(sq_insn), .count_o(unused_sq_count)
  );

  for (genvar q = 0; q < 4; q++) begin : gen_tq
    vta_token_queue u_tq (
      .clk_i,
      .rst_ni,
      .clear_i    (start),
      .push_i     (tq_push[q]),
      .pop_i      (tq_pop[q]),
      .has_token_o(tq_has_token[q]),
      .has_room_o (tq_has_room[q]),
      .count_o    (tokens[q*vta_pkg::TOKEN_CNT_W +: vta_pkg::TOKEN_CNT_W])
    );
  end

  vta_load u_load (
    .clk_i,
    .rst_ni,
    .insn_valid_i   (lq_valid),
    .insn_ready_o   (lq_ready),
    .insn_i         (lq_insn),
    .c2l_has_token_i(tq_has_token[1]),
    .c2l_pop_o      (tq_pop[1]),
    .l2c_has_room_i (tq_has_room[0]),
    .l2c_push_o     (tq_push[0]),
    .inp_we_o       (inp_we),
    .inp_waddr_o    (inp_waddr),
    .inp_wdata_o    (inp_wdata),
    .wgt_we_o       (wgt_we),
    .wgt_waddr_o    (wgt_waddr),
    .wgt_wdata_o    (wgt_wdata),
    .busy_o         (l_busy),
    .insn_done_o    (l_done),
    .stall_c2l_o    (l_stall_c2l),
    .stall_l2c_o    (l_stall_l2c),
    .stall_mem_o    (l_stall_mem),
    .bytes_o        (l_bytes),
    .state_o        (st_load),
    .oob_o          (l_oob),
    .oob_buf_o      (l_oob_buf),
    .oob_addr_o     (l_oob_addr),
    .ar_valid_o     (c_ar_valid[2:1]),
    .ar_ready_i     (c_ar_ready[2:1]),
    .ar_addr_o      (c_ar_addr[vta_pkg::AXI_ADDR_W +: 2*vta_pkg::AXI_ADDR_W]),
    .ar_len_o       (c_ar_len[8 +: 16]),
    .r_valid_i      (c_r_valid[2:1]),
    .r_ready_o      (c_r_ready[2:1]),
    .r_data_i       (m_axi_rdata_i),
    .r_last_i       (m_axi_rlast_i)
  );

  vta_ram_1r1w #(.Width(vta_pkg::INP_ROW_BITS), .Depth(vta_pkg::INP_DEPTH)) u_inp_ram (
    .clk_i, .we_i(inp_we), .waddr_i(inp_waddr), .wdata_i(inp_wdata),
    .re_i(inp_re), .raddr_i(inp_raddr), .rdata_o(inp_rdata)
  );
  vta_ram_1r1w #(.Width(vta_pkg::WGT_ROW_BITS), .Depth(vta_pkg::WGT_DEPTH)) u_wgt_ram (
    .clk_i, .we_i(wgt_we), .waddr_i(wgt_waddr), .wdata_i(wgt_wdata),
    .re_i(wgt_re), .raddr_i(wgt_raddr), .rdata_o(wgt_rdata)
  );
  vta_ram_1r1w #(.Width(vta_pkg::OUT_ROW_BITS), .Depth(vta_pkg::ACC_DEPTH)) u_out_ram (
    .clk_i, .we_i(out_we), .waddr_i(out_waddr), .wdata_i(out_wdata),
    .re_i(out_re), .raddr_i(out_raddr), .rdata_o(out_rdata)
  );

  vta_compute u_compute (
    .clk_i,
    .rst_ni,
    .insn_valid_i   (cq_valid),
    .insn_ready_o   (cq_ready),
    .insn_i         (cq_insn),
    .l2c_has_token_i(tq_has_token[0]),
    .l2c_pop_o      (tq_pop[0]),
    .s2c_has_token_i(tq_has_token[3]),
    .s2c_pop_o      (tq_pop[3]),
    .c2l_has_room_i (tq_has_room[1]),
    .c2l_push_o     (tq_push[1]),
    .c2s_has_room_i (tq_has_room[2]),
    .c2s_push_o     (tq_push[2]),
    .inp_re_o       (inp_re),
    .inp_raddr_o    (inp_raddr),
    .inp_rdata_i    (inp_rdata),
    .wgt_re_o       (wgt_re),
    .wgt_raddr_o    (wgt_raddr),
    .wgt_rdata_i    (wgt_rdata),
    .out_we_o       (out_we),
    .out_waddr_o    (out_waddr),
    .out_wdata_o    (out_wdata),
    .finish_o       (finish),
    .busy_o         (c_busy),
    .insn_done_o    (c_done),
    .stall_l2c_o    (c_stall_l2c),
    .stall_s2c_o    (c_stall_s2c),
    .stall_c2l_o    (c_stall_c2l),
    .stall_c2s_o    (c_stall_c2s),
    .stall_mem_o    (c_stall_mem),
    .bytes_o        (c_bytes),
    .gemm_uop_o     (c_gemm),
    .alu_uop_o      (c_alu),
    .state_o        (st_compute),
    .oob_o          (c_oob),
    .oob_buf_o      (c_oob_buf),
    .oob_addr_o     (c_oob_addr),
    .ar_valid_o     (c_ar_valid[4:3]),
    .ar_ready_i     (c_ar_ready[4:3]),
    .ar_addr_o      (c_ar_addr[3*vta_pkg::AXI_ADDR_W +: 2*vta_pkg::AXI_ADDR_W]),
    .ar_len_o       (c_ar_len[24 +: 16]),
    .r_valid_i      (c_r_valid[4:3]),
    .r_ready_o      (c_r_ready[4:3]),
    .r_data_i       (m_axi_rdata_i),
    .r_last_i       (m_axi_rlast_i)
  );

  vta_store u_store (
    .clk_i,
    .rst_ni,
    .insn_valid_i   (sq_valid),
    .insn_ready_o   (sq_ready),
    .insn_i         (sq_insn),
    .c2s_has_token_i(tq_has_token[2]),
    .c2s_pop_o      (tq_pop[2]),
    .s2c_has_room_i (tq_has_room[3]),
    .s2c_push_o     (tq_push[3]),
    .out_re_o       (out_re),
    .out_raddr_o    (out_raddr),
    .out_rdata_i    (out_rdata),
    .busy_o         (s_busy),
    .insn_done_o    (s_done),
    .stall_c2s_o    (s_stall_c2s),
    .stall_s2c_o    (s_stall_s2c),
    .stall_mem_o    (s_stall_mem),
    .bytes_o        (s_bytes),
    .state_o        (st_store),
    .oob_o          (s_oob),
    .oob_addr_o     (s_oob_addr),
    .aw_valid_o     (m_axi_awvalid_o),
    .aw_ready_i     (m_axi_awready_i),
    .aw_addr_o      (m_axi_awaddr_o),
    .aw_len_o       (m_axi_awlen_o),
    .w_valid_o      (m_axi_wvalid_o),
    .w_ready_i      (m_axi_wready_i),
    .w_data_o       (m_axi_wdata_o),
    .w_strb_o       (m_axi_wstrb_o),
    .w_last_o       (m_axi_wlast_o),
    .b_valid_i      (m_axi_bvalid_i),
    .b_ready_o      (m_axi_bready_o)
  );

  vta_axi_rd_arb #(.N(NRd)) u_rd_arb (
    .clk_i,
    .rst_ni,
    .c_ar_valid_i(c_ar_valid),
    .c_ar_ready_o(c_ar_ready),
    .c_ar_addr_i (c_ar_addr),
    .c_ar_len_i  (c_ar_len),
    .c_r_valid_o (c_r_valid),
    .c_r_ready_i (c_r_ready),
    .m_ar_valid_o(m_axi_arvalid_o),
    .m_ar_ready_i(m_axi_arready_i),
    .m_ar_id_o   (m_axi_arid_o),
    .m_ar_addr_o (m_axi_araddr_o),
    .m_ar_len_o  (m_axi_arlen_o),
    .m_r_valid_i (m_axi_rvalid_i),
    .m_r_ready_o (m_axi_rready_o),
    .m_r_id_i    (m_axi_rid_i)
  );

  assign m_axi_arsize_o = 3'(vta_pkg::LOG_BUS_BYTES);
  assign m_axi_arburst_o = 2'b01;  // INCR
  assign m_axi_awsize_o = 3'(vta_pkg::LOG_BUS_BYTES);
  assign m_axi_awburst_o = 2'b01;

  always_comb begin
    oob = l_oob || c_oob || s_oob;
    oob_module = 2'd2;
    oob_buf = 3'(vta_pkg::MEM_OUT);
    oob_addr = s_oob_addr;
    if (l_oob) begin
      oob_module = 2'd0;
      oob_buf = l_oob_buf;
      oob_addr = l_oob_addr;
    end else if (c_oob) begin
      oob_module = 2'd1;
      oob_buf = c_oob_buf;
      oob_addr = c_oob_addr;
    end
  end

  // FINISH must not race with load or store work (docs/semantics.md).
  assign finish_race = finish && (l_busy || lq_valid || s_busy || sq_valid);

  // Counter events
  always_comb begin
    cnt_inc = '0;
    cnt_inc[vta_pkg::CNT_FETCH_INSNS*vta_pkg::CNT_INC_W +: vta_pkg::CNT_INC_W] = vta_pkg::CNT_INC_W'(f_insn_ev);
    cnt_inc[vta_pkg::CNT_FETCH_STALL_QUEUE*vta_pkg::CNT_INC_W +: vta_pkg::CNT_INC_W] = vta_pkg::CNT_INC_W'(f_stall);
    cnt_inc[vta_pkg::CNT_FETCH_BYTES_READ*vta_pkg::CNT_INC_W +: vta_pkg::CNT_INC_W] = f_bytes ? vta_pkg::CNT_INC_W'(IB / 8) : '0;
    cnt_inc[vta_pkg::CNT_LOAD_BUSY*vta_pkg::CNT_INC_W +: vta_pkg::CNT_INC_W] = vta_pkg::CNT_INC_W'(l_busy);
    cnt_inc[vta_pkg::CNT_LOAD_INSNS*vta_pkg::CNT_INC_W +: vta_pkg::CNT_INC_W] = vta_pkg::CNT_INC_W'(l_done);
    cnt_inc[vta_pkg::CNT_LOAD_STALL_C2L*vta_pkg::CNT_INC_W +: vta_pkg::CNT_INC_W] = vta_pkg::CNT_INC_W'(l_stall_c2l);
    cnt_inc[vta_pkg::CNT_LOAD_STALL_L2C*vta_pkg::CNT_INC_W +: vta_pkg::CNT_INC_W] = vta_pkg::CNT_INC_W'(l_stall_l2c);
    cnt_inc[vta_pkg::CNT_LOAD_STALL_MEM*vta_pkg::CNT_INC_W +: vta_pkg::CNT_INC_W] = vta_pkg::CNT_INC_W'(l_stall_mem);
    cnt_inc[vta_pkg::CNT_LOAD_BYTES_READ*vta_pkg::CNT_INC_W +: vta_pkg::CNT_INC_W] = l_bytes;
    cnt_inc[vta_pkg::CNT_COMPUTE_BUSY*vta_pkg::CNT_INC_W +: vta_pkg::CNT_INC_W] = vta_pkg::CNT_INC_W'(c_busy);
    cnt_inc[vta_pkg::CNT_COMPUTE_INSNS*vta_pkg::CNT_INC_W +: vta_pkg::CNT_INC_W] = vta_pkg::CNT_INC_W'(c_done);
    cnt_inc[vta_pkg::CNT_COMPUTE_STALL_L2C*vta_pkg::CNT_INC_W +: vta_pkg::CNT_INC_W] = vta_pkg::CNT_INC_W'(c_stall_l2c);
    cnt_inc[vta_pkg::CNT_COMPUTE_STALL_S2C*vta_pkg::CNT_INC_W +: vta_pkg::CNT_INC_W] = vta_pkg::CNT_INC_W'(c_stall_s2c);
    cnt_inc[vta_pkg::CNT_COMPUTE_STALL_C2L*vta_pkg::CNT_INC_W +: vta_pkg::CNT_INC_W] = vta_pkg::CNT_INC_W'(c_stall_c2l);
    cnt_inc[vta_pkg::CNT_COMPUTE_STALL_C2S*vta_pkg::CNT_INC_W +: vta_pkg::CNT_INC_W] = vta_pkg::CNT_INC_W'(c_stall_c2s);
    cnt_inc[vta_pkg::CNT_COMPUTE_STALL_MEM*vta_pkg::CNT_INC_W +: vta_pkg::CNT_INC_W] = vta_pkg::CNT_INC_W'(c_stall_mem);
    cnt_inc[vta_pkg::CNT_COMPUTE_BYTES_READ*vta_pkg::CNT_INC_W +: vta_pkg::CNT_INC_W] = c_bytes;
    cnt_inc[vta_pkg::CNT_GEMM_UOPS*vta_pkg::CNT_INC_W +: vta_pkg::CNT_INC_W] = vta_pkg::CNT_INC_W'(c_gemm);
    cnt_inc[vta_pkg::CNT_ALU_UOPS*vta_pkg::CNT_INC_W +: vta_pkg::CNT_INC_W] = vta_pkg::CNT_INC_W'(c_alu);
    cnt_inc[vta_pkg::CNT_STORE_BUSY*vta_pkg::CNT_INC_W +: vta_pkg::CNT_INC_W] = vta_pkg::CNT_INC_W'(s_busy);
    cnt_inc[vta_pkg::CNT_STORE_INSNS*vta_pkg::CNT_INC_W +: vta_pkg::CNT_INC_W] = vta_pkg::CNT_INC_W'(s_done);
    cnt_inc[vta_pkg::CNT_STORE_STALL_C2S*vta_pkg::CNT_INC_W +: vta_pkg::CNT_INC_W] = vta_pkg::CNT_INC_W'(s_stall_c2s);
    cnt_inc[vta_pkg::CNT_STORE_STALL_S2C*vta_pkg::CNT_INC_W +: vta_pkg::CNT_INC_W] = vta_pkg::CNT_INC_W'(s_stall_s2c);
    cnt_inc[vta_pkg::CNT_STORE_STALL_MEM*vta_pkg::CNT_INC_W +: vta_pkg::CNT_INC_W] = vta_pkg::CNT_INC_W'(s_stall_mem);
    cnt_inc[vta_pkg::CNT_STORE_BYTES_WRITTEN*vta_pkg::CNT_INC_W +: vta_pkg::CNT_INC_W] = s_bytes;
  end

  logic unused_running, unused_fbusy;
  assign unused_running = running;
  assign unused_fbusy = f_busy;

endmodule
