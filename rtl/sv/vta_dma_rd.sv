// 2-D strided read DMA with padding: reads y_size runs of x_size rows (run y starts at
// base + y * stride bytes) over AXI4 and emits, in order, (y_pad_0 + y_size + y_pad_1) x
// (x_pad_0 + x_size + x_pad_1) rows to consecutive indices, padding rows being zero or every element
// the minimum value. The address side runs ahead of the data side (up to AXI_MAX_OUTSTANDING bursts),
// bursts stop at 256 beats and at 4 KiB boundaries. Rows wider than the bus are assembled from beats;
// rows narrower than the bus are picked out of each beat.
`include "vta_assert.svh"

module vta_dma_rd #(
  parameter int unsigned LogRowBytes = 4,
  parameter int unsigned ElemBits = 8,
  parameter int unsigned IdxW = 8,
  parameter bit IdxInRange = 1'b1,  // rows go to a buffer of 2^IdxW rows: the index must not wrap
  localparam int unsigned RowBits = 8 << LogRowBytes
) (
  input  logic                             clk_i,
  input  logic                             rst_ni,
  // Command
  input  logic                             cmd_valid_i,
  output logic                             cmd_ready_o,
  input  logic [vta_pkg::AXI_ADDR_W-1:0]   cmd_base_i,    // byte address of the first data row
  input  logic [vta_pkg::AXI_ADDR_W-1:0]   cmd_stride_i,  // bytes from one run to the next
  input  logic [vta_pkg::SIZE_W-1:0]       cmd_ysize_i,
  input  logic [vta_pkg::DMA_XSIZE_W-1:0]  cmd_xsize_i,
  input  logic [vta_pkg::PAD_W-1:0]        cmd_ypad0_i,
  input  logic [vta_pkg::PAD_W-1:0]        cmd_ypad1_i,
  input  logic [vta_pkg::PAD_W-1:0]        cmd_xpad0_i,
  input  logic [vta_pkg::PAD_W-1:0]        cmd_xpad1_i,
  input  logic                             cmd_pad_min_i,
  input  logic [IdxW-1:0]                  cmd_idx_i,
  output logic                             busy_o,
  // Rows out
  output logic                             row_valid_o,
  input  logic                             row_ready_i,
  output logic [IdxW-1:0]                  row_idx_o,
  output logic [RowBits-1:0]               row_data_o,
  output logic                             row_from_dram_o,  // a data (not padding) row left this cycle
  output logic                             mem_stall_o,      // a data row is due but not yet read
  // AXI4 read address and data
  output logic                             ar_valid_o,
  input  logic                             ar_ready_i,
  output logic [vta_pkg::AXI_ADDR_W-1:0]   ar_addr_o,
  output logic [7:0]                       ar_len_o,
  input  logic                             r_valid_i,
  output logic                             r_ready_o,
  input  logic [vta_pkg::BUS_WIDTH-1:0]    r_data_i,
  input  logic                             r_last_i
);

  localparam int unsigned A = vta_pkg::AXI_ADDR_W;
  localparam int unsigned YW = vta_pkg::SIZE_W + 1;
  localparam int unsigned XW = vta_pkg::DMA_XSIZE_W + 1;
  localparam int unsigned LogBus = vta_pkg::LOG_BUS_BYTES;
  localparam int unsigned OutW = $clog2(vta_pkg::AXI_MAX_OUTSTANDING + 1);
  localparam logic [A-1:0] BusMask = A'(vta_pkg::BUS_BYTES) - A'(1);
  localparam logic [A-1:0] MaxBurst = A'(256);
  localparam logic [RowBits-1:0] MinRow = {(RowBits / ElemBits){1'b1, {(ElemBits - 1){1'b0}}}};

  // Registers load under enables in their always_ff (the command registers on a command, the address
  // side on its handshakes, the data side on each row): an idle DMA then costs a simulator nothing but
  // the enable tests. The decisions that outputs also need (burst length, handshakes, row position)
  // stay combinational.

  // ---------------------------------------------------------------------------------------------
  // Command registers
  logic [A-1:0] stride_q, run_bytes_q;
  logic [YW-1:0] y_lo_q, y_hi_q, y_tot_q;
  logic [XW-1:0] x_lo_q, x_hi_q, x_tot_q;
  logic pad_min_q;
  logic cmd_go;

  // Address side
  typedef enum logic [1:0] {ArIdle, ArSetup, ArIssue} ar_state_e;
  ar_state_e ar_state_q;
  logic [vta_pkg::SIZE_W-1:0] ar_runs_q;
  logic [A-1:0] ar_run_addr_q, ar_addr_q, ar_beats_q;
  logic [A-1:0] to_4k, burst;
  logic [OutW-1:0] outst_q;
  logic ar_hs, r_hs, r_done;

  // Data side
  logic c_active_q;
  logic [YW-1:0] c_y_q;
  logic [XW-1:0] c_x_q;
  logic [IdxW-1:0] c_idx_q;
  logic [LogBus-1:0] c_run_lo_q;  // the current run's address within a bus word (narrow rows)
  logic in_data, row_hs, gb_take, run_last, gb_valid, x_last, y_last;
  logic [RowBits-1:0] gb_row;

  assign busy_o = c_active_q || (ar_state_q != ArIdle) || (outst_q != '0);
  assign cmd_ready_o = !busy_o;
  assign cmd_go = cmd_valid_i && cmd_ready_o && (cmd_ysize_i != '0) && (cmd_xsize_i != '0);

  // The owner issues a command only to an idle DMA (a command is never dropped).
  `VTA_ASSERT_IF(CmdWhenIdle_A, cmd_ready_o, cmd_valid_i)

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      stride_q <= '0;
      run_bytes_q <= '0;
      y_lo_q <= '0;
      y_hi_q <= '0;
      y_tot_q <= '0;
      x_lo_q <= '0;
      x_hi_q <= '0;
      x_tot_q <= '0;
      pad_min_q <= 1'b0;
    end else if (cmd_go) begin
      stride_q <= cmd_stride_i;
      run_bytes_q <= A'(cmd_xsize_i) << LogRowBytes;
      y_lo_q <= YW'(cmd_ypad0_i);
      y_hi_q <= YW'(cmd_ypad0_i) + YW'(cmd_ysize_i);
      y_tot_q <= YW'(cmd_ypad0_i) + YW'(cmd_ysize_i) + YW'(cmd_ypad1_i);
      x_lo_q <= XW'(cmd_xpad0_i);
      x_hi_q <= XW'(cmd_xpad0_i) + XW'(cmd_xsize_i);
      x_tot_q <= XW'(cmd_xpad0_i) + XW'(cmd_xsize_i) + XW'(cmd_xpad1_i);
      pad_min_q <= cmd_pad_min_i;
    end
  end

  // ---------------------------------------------------------------------------------------------
  // Address side: one run after the other, bursts of at most 256 beats that never cross 4 KiB.
  always_comb begin
    to_4k = '0;
    burst = '0;
    if (ar_state_q == ArIssue) begin
      to_4k = (A'(4096) - A'(ar_addr_q[11:0])) >> LogBus;
      burst = ar_beats_q;
      if (burst > MaxBurst) burst = MaxBurst;
      if (burst > to_4k) burst = to_4k;
    end
  end

  assign ar_valid_o = (ar_state_q == ArIssue) && (outst_q != OutW'(vta_pkg::AXI_MAX_OUTSTANDING));
  assign ar_addr_o = ar_addr_q;
  assign ar_len_o = 8'(burst - A'(1));
  assign ar_hs = ar_valid_o && ar_ready_i;
  assign r_hs = r_valid_i && r_ready_o;
  assign r_done = r_hs && r_last_i;

  // AXI: a burst request holds still until taken, is 1-256 beats, never crosses 4 KiB, and the bursts in
  // flight (a burst ends with its last beat) stay within AXI_MAX_OUTSTANDING.
  `VTA_ASSERT_STABLE(ArStable_A, ar_valid_o, ar_ready_i, {ar_addr_o, ar_len_o})
  `VTA_ASSERT_IF(BurstLegal_A, (burst != '0) && (burst <= MaxBurst) && (A'(ar_addr_o[11:0]) + (burst << LogBus)) <=
                               A'(4096) && (32'(outst_q) < vta_pkg::AXI_MAX_OUTSTANDING), ar_valid_o)
  `VTA_ASSERT_IF(BurstEndExpected_A, outst_q != '0, r_done)

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      ar_state_q <= ArIdle;
      ar_runs_q <= '0;
      ar_run_addr_q <= '0;
      ar_addr_q <= '0;
      ar_beats_q <= '0;
      outst_q <= '0;
    end else begin
      if (ar_hs != r_done) outst_q <= ar_hs ? outst_q + 1'b1 : outst_q - 1'b1;
      unique case (ar_state_q)
        ArIdle: begin
          if (cmd_go) begin
            ar_state_q <= ArSetup;
            ar_runs_q <= cmd_ysize_i;
            ar_run_addr_q <= cmd_base_i;
          end
        end
        ArSetup: begin
          ar_addr_q <= ar_run_addr_q & ~BusMask;
          ar_beats_q <= ((ar_run_addr_q + run_bytes_q - A'(1)) >> LogBus) - (ar_run_addr_q >> LogBus) + A'(1);
          ar_state_q <= ArIssue;
        end
        ArIssue: begin
          if (ar_hs) begin
            ar_addr_q <= ar_addr_q + (burst << LogBus);
            ar_beats_q <= ar_beats_q - burst;
            if (ar_beats_q == burst) begin
              if (ar_runs_q == vta_pkg::SIZE_W'(1)) begin
                ar_state_q <= ArIdle;
              end else begin
                ar_runs_q <= ar_runs_q - 1'b1;
                ar_run_addr_q <= ar_run_addr_q + stride_q;
                ar_state_q <= ArSetup;
              end
            end
          end
        end
        default: ar_state_q <= ArIdle;
      endcase
    end
  end

  // ---------------------------------------------------------------------------------------------
  // Data side: walks the padded rectangle row by row.
  always_comb begin
    in_data = 1'b0;
    x_last = 1'b0;
    y_last = 1'b0;
    if (c_active_q) begin
      in_data = (c_y_q >= y_lo_q) && (c_y_q < y_hi_q) && (c_x_q >= x_lo_q) && (c_x_q < x_hi_q);
      x_last = c_x_q == x_tot_q - XW'(1);
      y_last = c_y_q == y_tot_q - YW'(1);
    end
  end
  assign row_valid_o = c_active_q && (!in_data || gb_valid);
  assign row_idx_o = c_idx_q;
  assign row_data_o = in_data ? gb_row : (pad_min_q ? MinRow : '0);
  assign row_hs = row_valid_o && row_ready_i;
  assign gb_take = row_hs && in_data;
  assign run_last = gb_take && (c_x_q == x_hi_q - XW'(1));
  assign row_from_dram_o = gb_take;
  assign mem_stall_o = c_active_q && in_data && !gb_valid;

  // The rows of a command go to consecutive indices that never wrap past the end of the buffer (the
  // owners check the rectangle against the buffer before issuing it).
  if (IdxInRange) begin : gen_idx_check
    `VTA_ASSERT_IF(RowIdxNoWrap_A, c_idx_q != '1, row_hs && !(x_last && y_last))
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      c_active_q <= 1'b0;
      c_y_q <= '0;
      c_x_q <= '0;
      c_idx_q <= '0;
      c_run_lo_q <= '0;
    end else if (cmd_go) begin
      c_active_q <= 1'b1;
      c_y_q <= '0;
      c_x_q <= '0;
      c_idx_q <= cmd_idx_i;
      c_run_lo_q <= cmd_base_i[LogBus-1:0];
    end else if (row_hs) begin
      c_idx_q <= c_idx_q + 1'b1;
      if (run_last) c_run_lo_q <= c_run_lo_q + stride_q[LogBus-1:0];
      if (x_last) begin
        c_x_q <= '0;
        c_y_q <= c_y_q + 1'b1;
        if (y_last) c_active_q <= 1'b0;
      end else begin
        c_x_q <= c_x_q + 1'b1;
      end
    end
  end

  // ---------------------------------------------------------------------------------------------
  // Gearbox: beats to rows.
  if (LogRowBytes >= LogBus) begin : gen_wide_row
    localparam int unsigned BeatsPerRow = 1 << (LogRowBytes - LogBus);
    localparam int unsigned CntW = $clog2(BeatsPerRow + 1);
    logic [RowBits-1:0] buf_q;
    logic [CntW-1:0] cnt_q;

    assign gb_valid = cnt_q == CntW'(BeatsPerRow);
    assign gb_row = buf_q;
    assign r_ready_o = c_active_q && (!gb_valid || gb_take);

    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) cnt_q <= '0;
      else if (r_hs) cnt_q <= (gb_take ? '0 : cnt_q) + 1'b1;
      else if (gb_take) cnt_q <= '0;
    end

    // The row register loads only with a beat (beat k lands at bits [k*BUS_WIDTH +: BUS_WIDTH], shifted
    // in from the top).
    if (BeatsPerRow == 1) begin : gen_one_beat
      always_ff @(posedge clk_i or negedge rst_ni) begin
        if (!rst_ni) buf_q <= '0;
        else if (r_hs) buf_q <= RowBits'(r_data_i);
      end
    end else begin : gen_beats
      always_ff @(posedge clk_i or negedge rst_ni) begin
        if (!rst_ni) buf_q <= '0;
        else if (r_hs) buf_q <= {r_data_i, buf_q[RowBits-1:vta_pkg::BUS_WIDTH]};
      end
    end
  end else begin : gen_narrow_row
    localparam int unsigned SlotW = LogBus - LogRowBytes;
    localparam int unsigned RowsPerBeat = 1 << SlotW;
    logic [vta_pkg::BUS_WIDTH-1:0] beat_q;
    logic have_q, first_q, first_eff, beat_done;
    logic [SlotW-1:0] slot_q;
    logic [LogBus-1:0] next_run_lo;  // the run address (within a bus word) after this cycle
    logic unused_next_run_lo;

    assign gb_valid = have_q;
    assign gb_row = beat_q[slot_q * RowBits +: RowBits];
    assign beat_done = gb_take && (run_last || (slot_q == SlotW'(RowsPerBeat - 1)));
    assign r_ready_o = c_active_q && (!have_q || beat_done);
    assign first_eff = first_q || run_last;
    // A beat that starts a run begins at the run's first row; later beats at slot 0.
    always_comb begin
      next_run_lo = c_run_lo_q;
      if (cmd_go) next_run_lo = cmd_base_i[LogBus-1:0];
      else if (run_last) next_run_lo = c_run_lo_q + stride_q[LogBus-1:0];
    end
    assign unused_next_run_lo = ^next_run_lo[LogRowBytes-1:0];

    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        beat_q <= '0;
        have_q <= 1'b0;
        slot_q <= '0;
        first_q <= 1'b1;
      end else if (r_hs) begin
        beat_q <= r_data_i;
        have_q <= 1'b1;
        slot_q <= first_eff ? next_run_lo[LogBus-1:LogRowBytes] : '0;
        first_q <= 1'b0;
      end else begin
        if (cmd_go || run_last) first_q <= 1'b1;
        if (gb_take) begin
          if (beat_done) have_q <= 1'b0;
          else slot_q <= slot_q + 1'b1;
        end
      end
    end
  end

endmodule
