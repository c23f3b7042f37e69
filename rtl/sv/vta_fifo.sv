// Synchronous FIFO with first-word fall-through, stored in a block-RAM-inferable 1R1W RAM whose read
// register is the output register. Depth must be a power of two >= 2. A word written in cycle t can
// be read from cycle t+2.
`include "vta_assert.svh"

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

  logic [PtrW:0] wptr_q, rptr_q, ram_cnt;
  logic out_valid_q, push, pop, fetch;

  assign ram_cnt  = wptr_q - rptr_q;                 // words in the RAM, not yet in the output register
  assign count_o  = ram_cnt + (PtrW + 1)'(out_valid_q);
  assign wready_o = count_o < (PtrW + 1)'(Depth);
  assign rvalid_o = out_valid_q;
  assign push     = wvalid_i && wready_o;
  assign pop      = out_valid_q && rready_i;
  assign fetch    = (ram_cnt != '0) && (!out_valid_q || pop);

  vta_ram_1r1w #(
    .Width(Width),
    .Depth(Depth)
  ) u_ram (
    .clk_i,
    .we_i   (push),
    .waddr_i(wptr_q[PtrW-1:0]),
    .wdata_i(wdata_i),
    .re_i   (fetch),
    .raddr_i(rptr_q[PtrW-1:0]),
    .rdata_o(rdata_o)
  );

  `VTA_ASSERT_INIT(DepthPow2_A, Depth >= 2 && (Depth & (Depth - 1)) == 0)
  // Neither overflow nor underflow: the words held never exceed the depth (a read pointer that passed the
  // write pointer would wrap the count past it).
  `VTA_ASSERT(CountInRange_A, 32'(count_o) <= Depth)

  // Pointers and the output-register flag change only with a push, a fetch or a pop.
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wptr_q <= '0;
      rptr_q <= '0;
      out_valid_q <= 1'b0;
    end else begin
      if (push) wptr_q <= wptr_q + 1'b1;
      if (fetch) begin
        rptr_q <= rptr_q + 1'b1;
        out_valid_q <= 1'b1;
      end else if (pop) begin
        out_valid_q <= 1'b0;
      end
    end
  end

endmodule
