// Synchronous FIFO with first-word fall-through. Depth must be a power of two >= 2.
module vta_fifo #(
  parameter int unsigned Width = 8,
  parameter int unsigned Depth = 4,
  localparam int unsigned PtrW = $clog2(Depth)
) (
  input  logic             clk_i,
  input  logic             rst_ni,
  input  logic             wvalid_i,
  output logic             wready_o,
  input  logic [Width-1:0] wdata_i,
  output logic             rvalid_o,
  input  logic             rready_i,
  output logic [Width-1:0] rdata_o,
  output logic [PtrW:0]    count_o
);

  logic [Width-1:0] mem_q [Depth];
  logic [PtrW:0] wptr_q, wptr_d, rptr_q, rptr_d;
  logic push, pop;

  assign count_o  = wptr_q - rptr_q;
  assign wready_o = count_o != (PtrW + 1)'(Depth);
  assign rvalid_o = count_o != '0;
  assign rdata_o  = mem_q[rptr_q[PtrW-1:0]];
  assign push     = wvalid_i && wready_o;
  assign pop      = rvalid_o && rready_i;

  always_comb begin
    wptr_d = wptr_q;
    rptr_d = rptr_q;
    if (push) wptr_d = wptr_q + 1'b1;
    if (pop) rptr_d = rptr_q + 1'b1;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wptr_q <= '0;
      rptr_q <= '0;
    end else begin
      wptr_q <= wptr_d;
      rptr_q <= rptr_d;
    end
  end

  // Storage has no reset (it maps to distributed RAM).
  always_ff @(posedge clk_i) begin
    if (push) mem_q[wptr_q[PtrW-1:0]] <= wdata_i;
  end

endmodule
