// Fetch: reads INSN_COUNT instructions from INSN_ADDR through the read DMA and routes each, in stream
// order, to the queue of the module that executes it (VTA's routing): LOAD of INP/WGT -> load; LOAD
// of UOP/ACC, GEMM, ALU, FINISH -> compute; STORE of OUT -> store. Anything else is dropped and flagged.
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

  localparam int unsigned LogInsnBytes = $clog2(vta_pkg::INSN_BITS / 8);

  typedef enum logic [1:0] {ToLoad, ToCompute, ToStore, ToNone} route_e;

  logic row_valid, row_ready, row_from_dram, unused_stall, unused_cmd_ready;
  logic [0:0] unused_idx;
  vta_pkg::mem_insn_t insn;
  route_e route;
  logic target_ready;

  vta_dma_rd #(
    .LogRowBytes(LogInsnBytes),
    .ElemBits   (8),
    .IdxW       (1)
  ) u_dma (
    .clk_i,
    .rst_ni,
    .cmd_valid_i    (start_i),
    .cmd_ready_o    (unused_cmd_ready),
    .cmd_base_i     (insn_addr_i),
    .cmd_stride_i   ('0),
    .cmd_ysize_i    (vta_pkg::SIZE_W'(1)),
    .cmd_xsize_i    (insn_count_i),
    .cmd_ypad0_i    ('0),
    .cmd_ypad1_i    ('0),
    .cmd_xpad0_i    ('0),
    .cmd_xpad1_i    ('0),
    .cmd_pad_min_i  (1'b0),
    .cmd_idx_i      ('0),
    .busy_o         (busy_o),
    .row_valid_o    (row_valid),
    .row_ready_i    (row_ready),
    .row_idx_o      (unused_idx),
    .row_data_o     (insn),
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

  always_comb begin
    route = ToNone;
    unique case (insn.opcode)
      vta_pkg::OPCODE_LOAD: begin
        if (insn.memory_type == vta_pkg::MEM_INP || insn.memory_type == vta_pkg::MEM_WGT) route = ToLoad;
        else if (insn.memory_type == vta_pkg::MEM_UOP || insn.memory_type == vta_pkg::MEM_ACC) route = ToCompute;
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

  assign row_ready = target_ready;
  assign insn_o = insn;
  assign load_valid_o = row_valid && (route == ToLoad);
  assign compute_valid_o = row_valid && (route == ToCompute);
  assign store_valid_o = row_valid && (route == ToStore);
  assign bad_insn_o = row_valid && (route == ToNone);
  assign insn_o_event_o = row_valid && target_ready && (route != ToNone);
  assign stall_queue_o = row_valid && !target_ready;
  assign bytes_event_o = row_from_dram;
  assign state_o = {1'b0, stall_queue_o, row_valid, busy_o};

endmodule
