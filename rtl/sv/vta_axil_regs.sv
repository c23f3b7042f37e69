// AXI4-Lite control slave: the register map of docs/registers.md (offsets from vta_pkg::REG_*), the
// run control (start, DONE cleared by start, RUNNING, ERROR) and the 64-bit event counters.
`include "vta_assert.svh"

module vta_axil_regs (
  input  logic                                  clk_i,
  input  logic                                  rst_ni,
  // AXI4-Lite
  input  logic                                  awvalid_i,
  output logic                                  awready_o,
  input  logic [vta_pkg::AXIL_ADDR_W-1:0]       awaddr_i,
  input  logic                                  wvalid_i,
  output logic                                  wready_o,
  input  logic [vta_pkg::AXIL_DATA_W-1:0]       wdata_i,
  output logic                                  bvalid_o,
  input  logic                                  bready_i,
  input  logic                                  arvalid_i,
  output logic                                  arready_o,
  input  logic [vta_pkg::AXIL_ADDR_W-1:0]       araddr_i,
  output logic                                  rvalid_o,
  input  logic                                  rready_i,
  output logic [vta_pkg::AXIL_DATA_W-1:0]       rdata_o,
  // Run control
  output logic                                  start_o,
  output logic                                  running_o,
  output logic [vta_pkg::AXI_ADDR_W-1:0]        insn_addr_o,
  output logic [vta_pkg::DMA_XSIZE_W-1:0]       insn_count_o,
  input  logic                                  finish_i,
  input  logic                                  bad_insn_i,
  input  logic                                  finish_race_i,
  input  logic                                  oob_i,        // a module reports a bounds error
  input  logic [1:0]                            oob_module_i,
  input  logic [2:0]                            oob_buf_i,
  input  logic [31:0]                           oob_addr_i,
  output logic                                  irq_o,
  // Observability
  input  logic [4*vta_pkg::TOKEN_CNT_W-1:0]     tokens_i,  // l2c, c2l, c2s, s2c (queue q at [q*TOKEN_CNT_W +: TOKEN_CNT_W])
  input  logic [15:0]                           state_i,
  input  logic [2:0]                            queues_i,
  input  logic [vta_pkg::NUM_COUNTERS*vta_pkg::CNT_INC_W-1:0] cnt_inc_i  // counter i at [i*CNT_INC_W +: CNT_INC_W]
);

  localparam int unsigned NC = vta_pkg::NUM_COUNTERS;
  localparam int unsigned DW = vta_pkg::AXIL_DATA_W;
  localparam int unsigned AW = vta_pkg::AXIL_ADDR_W;
  localparam int unsigned CW = $clog2(NC);

  // Registers load under enables in their always_ff (writes, reads, run events), so a simulator does
  // no work for them in the cycles nothing happens; the counters add their increments once per cycle.
  logic done_q, running_q, bvalid_q, rvalid_q;
  logic [2:0] error_q;
  logic [31:0] err_addr_q, err_info_q;
  logic [23:0] oob_ordinal;  // ERROR_INFO keeps 24 bits of it
  logic [63:0] insn_addr_q;
  logic [DW-1:0] insn_count_q, rdata_q, hi_shadow_q, rword;
  logic [63:0] cnt_q [NC];
  logic wr, rd, start, latch_hi, oob_first;
  logic [AW-1:0] cnt_off;
  logic [AW-4:0] cnt_idx;
  logic [CW-1:0] cnt_sel;  // cnt_idx, valid when below NC

  assign wr = awvalid_i && wvalid_i && !bvalid_q;
  assign awready_o = wr;
  assign wready_o = wr;
  assign bvalid_o = bvalid_q;
  assign rd = arvalid_i && !rvalid_q;
  assign arready_o = rd;
  assign rvalid_o = rvalid_q;
  assign rdata_o = rdata_q;
  assign start = wr && (awaddr_i == vta_pkg::REG_CTRL) && wdata_i[0] && !running_q;
  assign start_o = start;
  assign running_o = running_q;
  assign insn_addr_o = insn_addr_q;
  assign insn_count_o = insn_count_q;
  assign irq_o = done_q;
  assign oob_first = oob_i && !error_q[vta_pkg::ERROR_SRAM_BOUNDS_BIT];  // the first one is kept

  // AXI4-Lite master rules (the host's side): a request holds still until taken. FINISH executes only
  // in a run.
  `VTA_ASSERT_STABLE(AwStable_A, awvalid_i && wvalid_i, awready_o, {awaddr_i, wdata_i})
  `VTA_ASSERT_STABLE(ArStable_A, arvalid_i, arready_o, araddr_i)
  `VTA_ASSERT_IF(FinishWhileRunning_A, running_q, finish_i)

  // The reporting module's executed-instruction count is the position of the instruction in error.
  always_comb begin
    unique case (oob_module_i)
      2'd0: oob_ordinal = cnt_q[vta_pkg::CNT_LOAD_INSNS][23:0];
      2'd1: oob_ordinal = cnt_q[vta_pkg::CNT_COMPUTE_INSNS][23:0];
      default: oob_ordinal = cnt_q[vta_pkg::CNT_STORE_INSNS][23:0];
    endcase
  end

  // Run control and the write side
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      done_q <= 1'b0;
      running_q <= 1'b0;
      error_q <= '0;
      err_addr_q <= '0;
      err_info_q <= '0;
      insn_addr_q <= '0;
      insn_count_q <= '0;
      bvalid_q <= 1'b0;
    end else begin
      if (wr) begin
        bvalid_q <= 1'b1;
        unique case (awaddr_i)
          vta_pkg::REG_INSN_ADDR_LO: insn_addr_q[31:0] <= wdata_i;
          vta_pkg::REG_INSN_ADDR_HI: insn_addr_q[63:32] <= wdata_i;
          vta_pkg::REG_INSN_COUNT:   insn_count_q <= wdata_i;
          default: ;
        endcase
      end else if (bvalid_q && bready_i) begin
        bvalid_q <= 1'b0;
      end
      if (start) begin
        done_q <= 1'b0;
        running_q <= 1'b1;
        error_q <= '0;
        err_addr_q <= '0;
        err_info_q <= '0;
      end else begin
        if (finish_i && running_q) begin
          done_q <= 1'b1;
          running_q <= 1'b0;
        end
        if (bad_insn_i) error_q[vta_pkg::ERROR_BAD_INSN_BIT] <= 1'b1;
        if (finish_race_i) error_q[vta_pkg::ERROR_FINISH_RACE_BIT] <= 1'b1;
        if (oob_first) begin
          error_q[vta_pkg::ERROR_SRAM_BOUNDS_BIT] <= 1'b1;
          err_addr_q <= oob_addr_i;
          err_info_q <= {oob_ordinal, 3'b0, oob_buf_i, oob_module_i};
        end
      end
    end
  end

  // Counters: cleared by start, incremented by the modules' events; `cycles` counts while running.
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      for (int unsigned i = 0; i < NC; i++) cnt_q[i] <= '0;
    end else if (start) begin
      for (int unsigned i = 0; i < NC; i++) cnt_q[i] <= '0;
    end else begin
      for (int unsigned i = 0; i < NC; i++) begin
        if (i == vta_pkg::CNT_CYCLES) cnt_q[i] <= cnt_q[i] + {63'b0, running_q};
        else cnt_q[i] <= cnt_q[i] + 64'(cnt_inc_i[i*vta_pkg::CNT_INC_W +: vta_pkg::CNT_INC_W]);
      end
    end
  end

  // Reads: the word is decoded only in a cycle that accepts a read (it is used only then).
  assign cnt_off = araddr_i - vta_pkg::COUNTER_BASE;
  assign cnt_idx = cnt_off[AW-1:3];
  assign cnt_sel = cnt_idx[CW-1:0];
  logic [1:0] unused_cnt_off;
  assign unused_cnt_off = cnt_off[1:0];
  always_comb begin
    rword = '0;
    latch_hi = 1'b0;
    if (rd && araddr_i >= vta_pkg::COUNTER_BASE) begin
      if (32'(cnt_idx) < NC) begin
        if (cnt_off[2]) begin
          rword = hi_shadow_q;
        end else begin
          rword = cnt_q[cnt_sel][31:0];
          latch_hi = 1'b1;
        end
      end
    end else if (rd) begin
      unique case (araddr_i)
        vta_pkg::REG_STATUS: begin
          rword[vta_pkg::STATUS_DONE_BIT] = done_q;
          rword[vta_pkg::STATUS_RUNNING_BIT] = running_q;
          rword[vta_pkg::STATUS_ERROR_BIT] = error_q != '0;
        end
        vta_pkg::REG_INSN_ADDR_LO: rword = insn_addr_q[31:0];
        vta_pkg::REG_INSN_ADDR_HI: rword = insn_addr_q[63:32];
        vta_pkg::REG_INSN_COUNT: rword = insn_count_q;
        vta_pkg::REG_ERROR: rword = DW'(error_q);
        vta_pkg::REG_CONFIG_HASH_LO: rword = vta_pkg::CONFIG_HASH[31:0];
        vta_pkg::REG_CONFIG_HASH_HI: rword = vta_pkg::CONFIG_HASH[63:32];
        vta_pkg::REG_TOKENS_0: rword = {16'(tokens_i[1*vta_pkg::TOKEN_CNT_W +: vta_pkg::TOKEN_CNT_W]), 16'(tokens_i[0 +: vta_pkg::TOKEN_CNT_W])};
        vta_pkg::REG_TOKENS_1: rword = {16'(tokens_i[3*vta_pkg::TOKEN_CNT_W +: vta_pkg::TOKEN_CNT_W]), 16'(tokens_i[2*vta_pkg::TOKEN_CNT_W +: vta_pkg::TOKEN_CNT_W])};
        vta_pkg::REG_STATE: rword = {13'b0, queues_i, state_i};
        vta_pkg::REG_INSN_DONE: rword = cnt_q[vta_pkg::CNT_FETCH_INSNS][31:0];
        vta_pkg::REG_ERROR_ADDR: rword = err_addr_q;
        vta_pkg::REG_ERROR_INFO: rword = err_info_q;
        default: rword = '0;
      endcase
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      rvalid_q <= 1'b0;
      rdata_q <= '0;
      hi_shadow_q <= '0;
    end else if (rd) begin
      rvalid_q <= 1'b1;
      rdata_q <= rword;
      if (latch_hi) hi_shadow_q <= cnt_q[cnt_sel][63:32];
    end else if (rvalid_q && rready_i) begin
      rvalid_q <= 1'b0;
    end
  end

endmodule
