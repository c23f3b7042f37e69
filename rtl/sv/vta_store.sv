// Store module: executes STORE of OUT in stream order. An instruction waits for a compute->store token
// (pop_prev) and room in store->compute (push_prev), pops, then writes y_size runs of x_size rows
// (run y at dram_base + y * x_stride rows) from consecutive out-buffer rows, and pushes once every
// write response is back. Bursts stop at 256 beats and at 4 KiB boundaries; a row narrower than the
// bus is one beat with byte strobes.
`include "vta_assert.svh"

module vta_store (
  input  logic                              clk_i,
  input  logic                              rst_ni,
  // Instruction queue
  input  logic                              insn_valid_i,
  output logic                              insn_ready_o,
  input  logic [vta_pkg::INSN_BITS-1:0]     insn_i,
  // Tokens
  input  logic                              c2s_has_token_i,
  output logic                              c2s_pop_o,
  input  logic                              s2c_has_room_i,
  output logic                              s2c_push_o,
  // Out buffer read port
  output logic                              out_re_o,
  output logic [vta_pkg::ACC_ADDR_W-1:0]    out_raddr_o,
  input  logic [vta_pkg::OUT_ROW_BITS-1:0]  out_rdata_i,
  // Status and counters
  output logic                              busy_o,
  output logic                              insn_done_o,
  output logic                              stall_c2s_o,
  output logic                              stall_s2c_o,
  output logic                              stall_mem_o,
  output logic [vta_pkg::CNT_INC_W-1:0]     bytes_o,
  output logic [3:0]                        state_o,
  output logic                              oob_o,       // the instruction reads past the out buffer
  output logic [31:0]                       oob_addr_o,  // first row past the end it touches
  // AXI4 write channels
  output logic                              aw_valid_o,
  input  logic                              aw_ready_i,
  output logic [vta_pkg::AXI_ADDR_W-1:0]    aw_addr_o,
  output logic [7:0]                        aw_len_o,
  output logic                              w_valid_o,
  input  logic                              w_ready_i,
  output logic [vta_pkg::BUS_WIDTH-1:0]     w_data_o,
  output logic [vta_pkg::BUS_BYTES-1:0]     w_strb_o,
  output logic                              w_last_o,
  input  logic                              b_valid_i,
  output logic                              b_ready_o
);

  localparam int unsigned A = vta_pkg::AXI_ADDR_W;
  localparam int unsigned LogRow = vta_pkg::LOG_OUT_ROW_BYTES;
  localparam int unsigned LogBus = vta_pkg::LOG_BUS_BYTES;
  localparam bit Narrow = LogRow < LogBus;
  localparam int unsigned LogStep = Narrow ? LogRow : LogBus;  // bytes per AW "beat" unit
  localparam int unsigned BeatsPerRow = Narrow ? 1 : (1 << (LogRow - LogBus));
  localparam int unsigned BeatW = $clog2(BeatsPerRow + 1);
  localparam int unsigned SW = vta_pkg::SIZE_W;
  localparam logic [A-1:0] BusMask = A'(vta_pkg::BUS_BYTES) - A'(1);
  localparam int unsigned OutstW = 10;

  typedef enum logic [1:0] {StIdle, StRun, StPush} state_e;
  state_e state_q;
  vta_pkg::mem_insn_t head, insn_q;
  logic tokens_ok, accept, empty_insn;
  logic [A-1:0] stride;

  assign head = insn_i;
  assign tokens_ok = (!head.pop_prev || c2s_has_token_i) && (!head.push_prev || s2c_has_room_i);
  assign accept = (state_q == StIdle) && insn_valid_i && tokens_ok;
  assign insn_ready_o = accept;
  assign c2s_pop_o = accept && head.pop_prev;
  // An out-of-bounds STORE writes nothing (it is reported and the run goes on to FINISH).
  logic oob;
  vta_mem_bounds u_bounds (
    .insn_i (head),
    .store_i(1'b1),
    .depth_i(32'(vta_pkg::ACC_DEPTH)),
    .oob_o  (oob),
    .addr_o (oob_addr_o)
  );
  assign oob_o = accept && oob;
  assign empty_insn = (head.y_size == '0) || (head.x_size == '0) || oob;
  assign stride = A'(insn_q.x_stride) << LogRow;

  // ---------------------------------------------------------------------------------------------
  // AW side: units of one beat (wide rows) or one row (narrow rows, one single-beat burst each)
  logic aw_active_q, aw_hs, w_hs, b_hs, len_push, len_room, len_valid, len_pop, start_run;
  logic [SW-1:0] aw_runs_q;
  logic [A-1:0] aw_run_q, aw_addr_q, aw_units_q, to_4k, burst;
  logic [7:0] len_head;
  logic [2:0] unused_len_count;
  logic [OutstW-1:0] outst_q;

  assign start_run = (state_q == StIdle) && accept && !empty_insn;
  always_comb begin
    to_4k = '0;
    burst = '0;
    if (aw_active_q) begin
      to_4k = (A'(4096) - A'(aw_addr_q[11:0])) >> LogBus;
      burst = aw_units_q;
      if (burst > A'(256)) burst = A'(256);
      if (burst > to_4k) burst = to_4k;
      if (Narrow) burst = A'(1);  // one row, one beat, never across 4 KiB
    end
  end
  assign aw_valid_o = aw_active_q && len_room;
  assign aw_addr_o = Narrow ? (aw_addr_q & ~BusMask) : aw_addr_q;
  assign aw_len_o = 8'(burst - A'(1));
  assign aw_hs = aw_valid_o && aw_ready_i;
  assign len_push = aw_hs;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      aw_active_q <= 1'b0;
      aw_runs_q <= '0;
      aw_run_q <= '0;
      aw_addr_q <= '0;
      aw_units_q <= '0;
    end else if (start_run) begin
      aw_active_q <= 1'b1;
      aw_runs_q <= head.y_size;
      aw_run_q <= A'(head.dram_base) << LogRow;
      aw_addr_q <= A'(head.dram_base) << LogRow;
      aw_units_q <= A'(head.x_size) << (LogRow - LogStep);
    end else if (aw_hs) begin
      aw_addr_q <= aw_addr_q + (burst << LogStep);
      aw_units_q <= aw_units_q - burst;
      if (aw_units_q == burst) begin
        if (aw_runs_q == SW'(1)) begin
          aw_active_q <= 1'b0;
        end else begin
          aw_runs_q <= aw_runs_q - 1'b1;
          aw_run_q <= aw_run_q + stride;
          aw_addr_q <= aw_run_q + stride;
          aw_units_q <= A'(insn_q.x_size) << (LogRow - LogStep);
        end
      end
    end
  end

  vta_fifo #(
    .Width(8),
    .Depth(4)
  ) u_len_fifo (
    .clk_i,
    .rst_ni,
    .wvalid_i(len_push),
    .wready_o(len_room),
    .wdata_i (aw_len_o),
    .rvalid_o(len_valid),
    .rready_i(len_pop),
    .rdata_o (len_head),
    .count_o (unused_len_count)
  );

  // ---------------------------------------------------------------------------------------------
  // W side: one out row at a time (read, then its beats)
  typedef enum logic [1:0] {WIdle, WRead, WEmit} wstate_e;
  wstate_e w_state_q;
  logic [vta_pkg::ACC_ADDR_W-1:0] w_idx_q;
  logic [SW-1:0] w_y_q;
  logic [SW-1:0] w_x_q;
  logic [A-1:0] w_run_q, w_row_addr;
  logic [BeatW-1:0] w_beat_q;
  logic [7:0] w_burst_q;
  logic w_row_last, w_all_last;

  assign w_row_addr = w_run_q + (A'(w_x_q) << LogRow);
  assign w_row_last = w_beat_q == BeatW'(BeatsPerRow - 1);
  assign w_all_last = (w_x_q == insn_q.x_size - 1'b1) && (w_y_q == insn_q.y_size - 1'b1);
  assign out_re_o = w_state_q == WRead;
  assign out_raddr_o = w_idx_q;
  assign w_valid_o = (w_state_q == WEmit) && len_valid;
  assign w_last_o = w_burst_q == len_head;
  assign w_hs = w_valid_o && w_ready_i;
  assign len_pop = w_hs && w_last_o;

  if (Narrow) begin : gen_narrow
    localparam int unsigned SlotW = LogBus - LogRow;
    localparam int unsigned RowBytes = 1 << LogRow;
    logic [SlotW-1:0] slot;
    assign slot = w_row_addr[LogBus-1:LogRow];
    assign w_data_o = {(1 << SlotW){out_rdata_i}};
    assign w_strb_o = vta_pkg::BUS_BYTES'({RowBytes{1'b1}}) << (32'(slot) * RowBytes);
  end else begin : gen_wide
    logic [A-1:0] unused_row_addr;
    assign unused_row_addr = w_row_addr;
    assign w_data_o = out_rdata_i[32'(w_beat_q) * vta_pkg::BUS_WIDTH +: vta_pkg::BUS_WIDTH];
    assign w_strb_o = '1;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      w_state_q <= WIdle;
      w_idx_q <= '0;
      w_y_q <= '0;
      w_x_q <= '0;
      w_run_q <= '0;
      w_beat_q <= '0;
      w_burst_q <= '0;
    end else begin
      unique case (w_state_q)
        WIdle: begin
          if (start_run) begin
            w_state_q <= WRead;
            w_idx_q <= vta_pkg::ACC_ADDR_W'(head.sram_base);
            w_y_q <= '0;
            w_x_q <= '0;
            w_run_q <= A'(head.dram_base) << LogRow;
            w_beat_q <= '0;
            w_burst_q <= '0;
          end
        end
        WRead: w_state_q <= WEmit;
        WEmit: begin
          if (w_hs) begin
            w_burst_q <= w_last_o ? '0 : w_burst_q + 1'b1;
            if (w_row_last) begin
              w_beat_q <= '0;
              w_idx_q <= w_idx_q + 1'b1;
              if (w_all_last) begin
                w_state_q <= WIdle;
              end else begin
                w_state_q <= WRead;
                if (w_x_q == insn_q.x_size - 1'b1) begin
                  w_x_q <= '0;
                  w_y_q <= w_y_q + 1'b1;
                  w_run_q <= w_run_q + stride;
                end else begin
                  w_x_q <= w_x_q + 1'b1;
                end
              end
            end else begin
              w_beat_q <= w_beat_q + 1'b1;
            end
          end
        end
        default: w_state_q <= WIdle;
      endcase
    end
  end

  // ---------------------------------------------------------------------------------------------
  // B side and instruction control
  assign b_ready_o = 1'b1;
  assign b_hs = b_valid_i;
  // AXI: AW and W hold still until taken; a write response comes only for a burst in flight.
  `VTA_ASSERT_STABLE(AwStable_A, aw_valid_o, aw_ready_i, {aw_addr_o, aw_len_o})
  `VTA_ASSERT_STABLE(WStable_A, w_valid_o, w_ready_i, {w_data_o, w_strb_o, w_last_o})
  `VTA_ASSERT_IF(BRespExpected_A, outst_q != '0, b_valid_i)
  `VTA_ASSERT(OutstandingNoOverflow_A, outst_q != '1)

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      outst_q <= '0;
    end else if (aw_hs != b_hs) begin
      outst_q <= aw_hs ? outst_q + 1'b1 : outst_q - 1'b1;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q <= StIdle;
      insn_q <= '0;
    end else begin
      unique case (state_q)
        StIdle: if (accept) begin
          insn_q <= head;
          state_q <= empty_insn ? StPush : StRun;
        end
        StRun: if (!aw_active_q && (w_state_q == WIdle) && (outst_q == '0)) state_q <= StPush;
        StPush: state_q <= StIdle;
        default: state_q <= StIdle;
      endcase
    end
  end

  logic unused_insn_q;  // the fields of the held instruction this module does not read
  assign unused_insn_q = ^insn_q;

  assign s2c_push_o = (state_q == StPush) && insn_q.push_prev;
  assign busy_o = state_q != StIdle;
  assign insn_done_o = state_q == StPush;
  assign stall_c2s_o = (state_q == StIdle) && insn_valid_i && head.pop_prev && !c2s_has_token_i;
  assign stall_s2c_o = (state_q == StIdle) && insn_valid_i && head.push_prev && !s2c_has_room_i;
  assign stall_mem_o = (aw_valid_o && !aw_ready_i) || (w_valid_o && !w_ready_i) ||
                       ((state_q == StRun) && !aw_active_q && (w_state_q == WIdle) && (outst_q != '0));
  assign bytes_o = (w_hs && w_row_last) ? vta_pkg::CNT_INC_W'(1 << LogRow) : '0;
  assign state_o = {w_state_q, state_q};

endmodule
