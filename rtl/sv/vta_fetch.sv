// Fetch: reads INSN_COUNT instructions from INSN_ADDR through the read DMA and routes each, in stream
// order, to the queue of the module that executes it (VTA's routing): LOAD of INP/WGT -> load; LOAD
// of UOP/ACC, GEMM, ALU, FINISH -> compute; STORE of OUT -> store. Anything else is dropped and flagged.
//
// Fetch shares the AXI read data channel with the load and compute DMAs, and the memory returns read
// data in request order, so fetch must never stall a burst it has requested: the modules that would
// drain a full instruction queue may be waiting for read data queued behind it. The stream is
// therefore read in chunks of at most one burst's worth of instructions (256 beats, 4 KiB) into a local
// buffer of two chunks, and a chunk is requested only when the buffer has room for all of it (the DMA
// takes one command at a time, so no rows are in flight then). The DMA always has room for the rows it
// reads and keeps r_ready high for its own data; only the buffer's head waits for room in its module's
// queue.
//
// state_o: [0] busy (instructions left to read, a chunk being read, or instructions buffered),
// [1] an instruction is at the buffer's head, [2] it waits for room in its module's queue,
// [3] instructions are left to read but the buffer has no room for the next chunk.
`include "vta_assert.svh"

module vta_fetch (
  input  logic                              clk_i,
  input  logic                              rst_ni,
  input  logic                              start_i,
  input  logic [vta_pkg::AXI_ADDR_W-1:0]    insn_addr_i,
  input  logic [vta_pkg::DMA_XSIZE_W-1:0]   insn_count_i,
  // Routed instructions
  output logic [vta_pkg::INSN_BITS-1:0]     insn_o,
  output logic                              load_valid_o,
  input  logic                              load_ready_i,
  output logic                              compute_valid_o,
  input  logic                              compute_ready_i,
  output logic                              store_valid_o,
  input  logic                              store_ready_i,
  // Status
  output logic                              busy_o,
  output logic                              bad_insn_o,
  output logic                              insn_o_event_o,   // an instruction was routed
  output logic                              stall_queue_o,
  output logic                              bytes_event_o,    // INSN_BITS/8 bytes read
  output logic [3:0]                        state_o,
  // AXI read client
  output logic                              ar_valid_o,
  input  logic                              ar_ready_i,
  output logic [vta_pkg::AXI_ADDR_W-1:0]    ar_addr_o,
  output logic [7:0]                        ar_len_o,
  input  logic                              r_valid_i,
  output logic                              r_ready_o,
  input  logic [vta_pkg::BUS_WIDTH-1:0]     r_data_i,
  input  logic                              r_last_i
);

  localparam int unsigned A = vta_pkg::AXI_ADDR_W;
  localparam int unsigned XW = vta_pkg::DMA_XSIZE_W;
  localparam int unsigned InsnBytes = vta_pkg::INSN_BITS / 8;
  localparam int unsigned LogInsnBytes = $clog2(InsnBytes);
  // One burst's worth of instructions: a burst has at most 256 beats and never crosses 4 KiB.
  localparam int unsigned BurstBytes = (256 * vta_pkg::BUS_BYTES < 4096) ? 256 * vta_pkg::BUS_BYTES : 4096;
  localparam int unsigned ChunkInsns = BurstBytes / InsnBytes;
  localparam int unsigned BufDepth = 2 * ChunkInsns;
  localparam int unsigned BufCntW = $clog2(BufDepth) + 1;

  typedef enum logic [1:0] {ToLoad, ToCompute, ToStore, ToNone} route_e;

  // Chunk requests
  logic [XW-1:0] left_q, chunk;
  logic [A-1:0] addr_q;
  logic accept_start, room, issue, dma_cmd_ready, dma_busy;

  // DMA rows into the buffer
  logic row_valid, row_ready, row_from_dram, unused_stall;
  logic [0:0] unused_idx;
  logic [vta_pkg::INSN_BITS-1:0] row;

  // Buffer head, routed
  logic [BufCntW-1:0] buf_count, buf_free;
  logic head_valid, head_ready, target_ready;
  vta_pkg::mem_insn_t insn;
  route_e route;

  assign busy_o = (left_q != '0) || dma_busy || (buf_count != '0);
  assign accept_start = start_i && !busy_o;
  assign chunk = (left_q > XW'(ChunkInsns)) ? XW'(ChunkInsns) : left_q;
  assign buf_free = BufCntW'(BufDepth) - buf_count;
  assign room = XW'(buf_free) >= chunk;
  assign issue = (left_q != '0) && dma_cmd_ready && room;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      left_q <= '0;
      addr_q <= '0;
    end else if (accept_start) begin
      left_q <= insn_count_i;
      addr_q <= insn_addr_i;
    end else if (issue) begin
      left_q <= left_q - chunk;
      addr_q <= addr_q + (A'(chunk) << LogInsnBytes);
    end
  end

  vta_dma_rd #(
    .LogRowBytes(LogInsnBytes),
    .ElemBits   (8),
    .IdxW       (1),
    .IdxInRange (1'b0)
  ) u_dma (
    .clk_i,
    .rst_ni,
    .cmd_valid_i    (issue),
    .cmd_ready_o    (dma_cmd_ready),
    .cmd_base_i     (addr_q),
    .cmd_stride_i   ('0),
    .cmd_ysize_i    (vta_pkg::SIZE_W'(1)),
    .cmd_xsize_i    (chunk),
    .cmd_ypad0_i    ('0),
    .cmd_ypad1_i    ('0),
    .cmd_xpad0_i    ('0),
    .cmd_xpad1_i    ('0),
    .cmd_pad_min_i  (1'b0),
    .cmd_idx_i      ('0),
    .busy_o         (dma_busy),
    .row_valid_o    (row_valid),
    .row_ready_i    (row_ready),
    .row_idx_o      (unused_idx),
    .row_data_o     (row),
    .row_from_dram_o(row_from_dram),
    .mem_stall_o    (unused_stall),
    .ar_valid_o,
    .ar_ready_i,
    .ar_addr_o,
    .ar_len_o,
    .r_valid_i,
    .r_ready_o,
    .r_data_i,
    .r_last_i
  );

  // Room for every row of a chunk is reserved before it is requested, so row_ready is high whenever
  // the DMA has a row (and the DMA never holds r_ready low on a beat it has asked for).
  vta_fifo #(
    .Width(vta_pkg::INSN_BITS),
    .Depth(BufDepth)
  ) u_buf (
    .clk_i,
    .rst_ni,
    .wvalid_i(row_valid),
    .wready_o(row_ready),
    .wdata_i (row),
    .rvalid_o(head_valid),
    .rready_i(head_ready),
    .rdata_o (insn),
    .count_o (buf_count)
  );

  // Fetch never holds the shared R channel: room for a whole chunk is reserved before it is requested,
  // so the buffer always takes the DMA's rows. An instruction goes to at most one module.
  `VTA_ASSERT_IF(RowAlwaysAccepted_A, row_ready, row_valid)
  `VTA_ASSERT_ONEHOT0(RouteOneHot_A, {load_valid_o, compute_valid_o, store_valid_o})

  always_comb begin
    route = ToNone;
    unique case (insn.opcode)
      vta_pkg::OPCODE_LOAD: begin
        if (insn.memory_type == vta_pkg::MEM_INP || insn.memory_type == vta_pkg::MEM_WGT) route = ToLoad;
        else if (insn.memory_type == vta_pkg::MEM_UOP || insn.memory_type == vta_pkg::MEM_ACC ||
                 insn.memory_type == vta_pkg::MEM_ACC_8BIT) route = ToCompute;
        else route = ToNone;
      end
      vta_pkg::OPCODE_STORE: route = (insn.memory_type == vta_pkg::MEM_OUT) ? ToStore : ToNone;
      vta_pkg::OPCODE_GEMM, vta_pkg::OPCODE_ALU, vta_pkg::OPCODE_FINISH: route = ToCompute;
      default: route = ToNone;
    endcase
  end

  always_comb begin
    unique case (route)
      ToLoad:    target_ready = load_ready_i;
      ToCompute: target_ready = compute_ready_i;
      ToStore:   target_ready = store_ready_i;
      default:   target_ready = 1'b1;
    endcase
  end

  assign head_ready = target_ready;
  assign insn_o = insn;
  assign load_valid_o = head_valid && (route == ToLoad);
  assign compute_valid_o = head_valid && (route == ToCompute);
  assign store_valid_o = head_valid && (route == ToStore);
  assign bad_insn_o = head_valid && (route == ToNone);
  assign insn_o_event_o = head_valid && target_ready && (route != ToNone);
  assign stall_queue_o = head_valid && !target_ready;
  assign bytes_event_o = row_from_dram;
  assign state_o = {(left_q != '0) && dma_cmd_ready && !room, stall_queue_o, head_valid, busy_o};

endmodule
