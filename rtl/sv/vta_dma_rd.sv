// 2-D strided read DMA with padding: reads y_size runs of x_size rows (run y starts at
// base + y * stride bytes) over AXI4 and emits, in order, (y_pad_0 + y_size + y_pad_1) x
// (x_pad_0 + x_size + x_pad_1) rows to consecutive indices, padding rows being zero or every element
// the minimum value. The address side runs ahead of the data side (up to AXI_MAX_OUTSTANDING bursts),
// bursts stop at 256 beats and at 4 KiB boundaries. Rows wider than the bus are assembled from beats;
// rows narrower than the bus are picked out of each beat.
module vta_dma_rd #(
  parameter int unsigned LogRowBytes = 4,
  parameter int unsigned ElemBits = 8,
  parameter int unsigned IdxW = 8,
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

  // ---------------------------------------------------------------------------------------------
  // Command registers
  logic [A-1:0] stride_q, stride_d, run_bytes_q, run_bytes_d;
  logic [YW-1:0] y_lo_q, y_lo_d, y_hi_q, y_hi_d, y_tot_q, y_tot_d;
  logic [XW-1:0] x_lo_q, x_lo_d, x_hi_q, x_hi_d, x_tot_q, x_tot_d;
  logic pad_min_q, pad_min_d;
  logic cmd_go;

  // Address side
  typedef enum logic [1:0] {ArIdle, ArSetup, ArIssue} ar_state_e;
  ar_state_e ar_state_q, ar_state_d;
  logic [vta_pkg::SIZE_W-1:0] ar_runs_q, ar_runs_d;
  logic [A-1:0] ar_run_addr_q, ar_run_addr_d, ar_addr_q, ar_addr_d, ar_beats_q, ar_beats_d;
  logic [A-1:0] run_end, to_4k, burst;
  logic [OutW-1:0] outst_q, outst_d;
  logic ar_hs, r_hs, r_done;

  // Data side
  logic c_active_q, c_active_d;
  logic [YW-1:0] c_y_q, c_y_d;
  logic [XW-1:0] c_x_q, c_x_d;
  logic [IdxW-1:0] c_idx_q, c_idx_d;
  logic [A-1:0] c_run_addr_q, c_run_addr_d;
  logic in_data, row_hs, gb_take, run_last, gb_valid;
  logic [RowBits-1:0] gb_row;

  assign busy_o = c_active_q || (ar_state_q != ArIdle) || (outst_q != '0);
  assign cmd_ready_o = !busy_o;
  assign cmd_go = cmd_valid_i && cmd_ready_o && (cmd_ysize_i != '0) && (cmd_xsize_i != '0);

  always_comb begin
    stride_d = stride_q;
    run_bytes_d = run_bytes_q;
    y_lo_d = y_lo_q;
    y_hi_d = y_hi_q;
    y_tot_d = y_tot_q;
    x_lo_d = x_lo_q;
    x_hi_d = x_hi_q;
    x_tot_d = x_tot_q;
    pad_min_d = pad_min_q;
    if (cmd_go) begin
      stride_d = cmd_stride_i;
      run_bytes_d = A'(cmd_xsize_i) << LogRowBytes;
      y_lo_d = YW'(cmd_ypad0_i);
      y_hi_d = YW'(cmd_ypad0_i) + YW'(cmd_ysize_i);
      y_tot_d = YW'(cmd_ypad0_i) + YW'(cmd_ysize_i) + YW'(cmd_ypad1_i);
      x_lo_d = XW'(cmd_xpad0_i);
      x_hi_d = XW'(cmd_xpad0_i) + XW'(cmd_xsize_i);
      x_tot_d = XW'(cmd_xpad0_i) + XW'(cmd_xsize_i) + XW'(cmd_xpad1_i);
      pad_min_d = cmd_pad_min_i;
    end
  end

  // ---------------------------------------------------------------------------------------------
  // Address side: one run after the other, bursts of at most 256 beats that never cross 4 KiB.
  assign run_end = ar_run_addr_q + run_bytes_q;
  assign to_4k = (A'(4096) - A'(ar_addr_q[11:0])) >> LogBus;
  always_comb begin
    burst = ar_beats_q;
    if (burst > MaxBurst) burst = MaxBurst;
    if (burst > to_4k) burst = to_4k;
  end

  assign ar_valid_o = (ar_state_q == ArIssue) && (outst_q != OutW'(vta_pkg::AXI_MAX_OUTSTANDING));
  assign ar_addr_o = ar_addr_q;
  assign ar_len_o = 8'(burst - A'(1));
  assign ar_hs = ar_valid_o && ar_ready_i;
  assign r_hs = r_valid_i && r_ready_o;
  assign r_done = r_hs && r_last_i;

  always_comb begin
    ar_state_d = ar_state_q;
    ar_runs_d = ar_runs_q;
    ar_run_addr_d = ar_run_addr_q;
    ar_addr_d = ar_addr_q;
    ar_beats_d = ar_beats_q;
    outst_d = outst_q;
    if (ar_hs) outst_d = outst_d + 1'b1;
    if (r_done) outst_d = outst_d - 1'b1;
    unique case (ar_state_q)
      ArIdle: begin
        if (cmd_go) begin
          ar_state_d = ArSetup;
          ar_runs_d = cmd_ysize_i;
          ar_run_addr_d = cmd_base_i;
        end
      end
      ArSetup: begin
        ar_addr_d = ar_run_addr_q & ~BusMask;
        ar_beats_d = ((run_end - A'(1)) >> LogBus) - (ar_run_addr_q >> LogBus) + A'(1);
        ar_state_d = ArIssue;
      end
      ArIssue: begin
        if (ar_hs) begin
          ar_addr_d = ar_addr_q + (burst << LogBus);
          ar_beats_d = ar_beats_q - burst;
          if (ar_beats_q == burst) begin
            if (ar_runs_q == vta_pkg::SIZE_W'(1)) begin
              ar_state_d = ArIdle;
            end else begin
              ar_runs_d = ar_runs_q - 1'b1;
              ar_run_addr_d = ar_run_addr_q + stride_q;
              ar_state_d = ArSetup;
            end
          end
        end
      end
      default: ar_state_d = ArIdle;
    endcase
  end

  // ---------------------------------------------------------------------------------------------
  // Data side: walks the padded rectangle row by row.
  assign in_data = (c_y_q >= y_lo_q) && (c_y_q < y_hi_q) && (c_x_q >= x_lo_q) && (c_x_q < x_hi_q);
  assign row_valid_o = c_active_q && (!in_data || gb_valid);
  assign row_idx_o = c_idx_q;
  assign row_data_o = in_data ? gb_row : (pad_min_q ? MinRow : '0);
  assign row_hs = row_valid_o && row_ready_i;
  assign gb_take = row_hs && in_data;
  assign run_last = gb_take && (c_x_q == x_hi_q - XW'(1));
  assign row_from_dram_o = gb_take;
  assign mem_stall_o = c_active_q && in_data && !gb_valid;

  always_comb begin
    c_active_d = c_active_q;
    c_y_d = c_y_q;
    c_x_d = c_x_q;
    c_idx_d = c_idx_q;
    c_run_addr_d = c_run_addr_q;
    if (cmd_go) begin
      c_active_d = 1'b1;
      c_y_d = '0;
      c_x_d = '0;
      c_idx_d = cmd_idx_i;
      c_run_addr_d = cmd_base_i;
    end else if (row_hs) begin
      c_idx_d = c_idx_q + 1'b1;
      if (run_last) c_run_addr_d = c_run_addr_q + stride_q;
      if (c_x_q == x_tot_q - XW'(1)) begin
        c_x_d = '0;
        c_y_d = c_y_q + 1'b1;
        if (c_y_q == y_tot_q - YW'(1)) c_active_d = 1'b0;
      end else begin
        c_x_d = c_x_q + 1'b1;
      end
    end
  end

  // ---------------------------------------------------------------------------------------------
  // Gearbox: beats to rows.
  if (LogRowBytes >= LogBus) begin : gen_wide_row
    localparam int unsigned BeatsPerRow = 1 << (LogRowBytes - LogBus);
    localparam int unsigned CntW = $clog2(BeatsPerRow + 1);
    logic [RowBits-1:0] buf_q, buf_d;
    logic [CntW-1:0] cnt_q, cnt_d;

    // Beat k of a row lands at bits [k*BUS_WIDTH +: BUS_WIDTH]: shift in from the top.
    logic [RowBits-1:0] shifted;
    if (BeatsPerRow == 1) begin : gen_one_beat
      assign shifted = RowBits'(r_data_i);
    end else begin : gen_beats
      assign shifted = {r_data_i, buf_q[RowBits-1:vta_pkg::BUS_WIDTH]};
    end

    assign gb_valid = cnt_q == CntW'(BeatsPerRow);
    assign gb_row = buf_q;
    assign r_ready_o = c_active_q && (!gb_valid || gb_take);

    always_comb begin
      buf_d = buf_q;
      cnt_d = cnt_q;
      if (gb_take) cnt_d = '0;
      if (r_hs) begin
        cnt_d = cnt_d + 1'b1;
        buf_d = shifted;
      end
    end


    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        buf_q <= '0;
        cnt_q <= '0;
      end else begin
        buf_q <= buf_d;
        cnt_q <= cnt_d;
      end
    end
  end else begin : gen_narrow_row
    localparam int unsigned SlotW = LogBus - LogRowBytes;
    localparam int unsigned RowsPerBeat = 1 << SlotW;
    logic [vta_pkg::BUS_WIDTH-1:0] beat_q, beat_d;
    logic have_q, have_d, first_q, first_d, first_eff, beat_done;
    logic [SlotW-1:0] slot_q, slot_d;

    assign gb_valid = have_q;
    assign gb_row = beat_q[slot_q * RowBits +: RowBits];
    assign beat_done = gb_take && (run_last || (slot_q == SlotW'(RowsPerBeat - 1)));
    assign r_ready_o = c_active_q && (!have_q || beat_done);
    assign first_eff = first_q || run_last;

    always_comb begin
      beat_d = beat_q;
      have_d = have_q;
      slot_d = slot_q;
      first_d = first_eff;
      if (cmd_go) first_d = 1'b1;
      if (gb_take) begin
        if (beat_done) have_d = 1'b0;
        else slot_d = slot_q + 1'b1;
      end
      if (r_hs) begin
        beat_d = r_data_i;
        have_d = 1'b1;
        slot_d = first_eff ? c_run_addr_d[LogBus-1:LogRowBytes] : '0;
        first_d = 1'b0;
      end
    end

    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        beat_q <= '0;
        have_q <= 1'b0;
        slot_q <= '0;
        first_q <= 1'b1;
      end else begin
        beat_q <= beat_d;
        have_q <= have_d;
        slot_q <= slot_d;
        first_q <= first_d;
      end
    end
  end

  // ---------------------------------------------------------------------------------------------
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
      ar_state_q <= ArIdle;
      ar_runs_q <= '0;
      ar_run_addr_q <= '0;
      ar_addr_q <= '0;
      ar_beats_q <= '0;
      outst_q <= '0;
      c_active_q <= 1'b0;
      c_y_q <= '0;
      c_x_q <= '0;
      c_idx_q <= '0;
      c_run_addr_q <= '0;
    end else begin
      stride_q <= stride_d;
      run_bytes_q <= run_bytes_d;
      y_lo_q <= y_lo_d;
      y_hi_q <= y_hi_d;
      y_tot_q <= y_tot_d;
      x_lo_q <= x_lo_d;
      x_hi_q <= x_hi_d;
      x_tot_q <= x_tot_d;
      pad_min_q <= pad_min_d;
      ar_state_q <= ar_state_d;
      ar_runs_q <= ar_runs_d;
      ar_run_addr_q <= ar_run_addr_d;
      ar_addr_q <= ar_addr_d;
      ar_beats_q <= ar_beats_d;
      outst_q <= outst_d;
      c_active_q <= c_active_d;
      c_y_q <= c_y_d;
      c_x_q <= c_x_d;
      c_idx_q <= c_idx_d;
      c_run_addr_q <= c_run_addr_d;
    end
  end

endmodule
