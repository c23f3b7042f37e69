// Two signed products that share an operand on one multiplier (combinational): x_i x w_hi_i and
// x_i x w_lo_i from (w_hi_i 2^PW + w_lo_i) x x_i, PW = XW + WW, the shared-operand packing of int8
// products into one DSP48. With int8 operands the packed factor is 25 bits and x_i 8, which fits the
// 25 x 18 multiplier of a DSP48E1. The low product is the low PW bits of the result; the high part,
// read with an arithmetic shift, is w_hi x x - 1 when the low product is negative, so the correction
// term adds back the low product's sign bit.
module vta_mul_pack #(
  parameter int unsigned XW = 8,
  parameter int unsigned WW = 8,
  localparam int unsigned PW = XW + WW
) (
  input  logic [XW-1:0] x_i,
  input  logic [WW-1:0] w_hi_i,
  input  logic [WW-1:0] w_lo_i,
  output logic [PW-1:0] hi_o,
  output logic [PW-1:0] lo_o
);

  localparam int unsigned FW = PW + WW + 1;  // packed factor: w_hi 2^PW + w_lo, signed

  // The product is only read below bit 2 PW, so it is computed modulo 2^(2 PW): with int8 operands a
  // 32-bit multiply in the verilated model (its full FW + XW = 33 bits would be a 64-bit one).
  logic signed [FW-1:0] packed_w;
  logic signed [2*PW-1:0] prod;

  assign packed_w = (FW'($signed(w_hi_i)) <<< PW) + FW'($signed(w_lo_i));
  assign prod = packed_w * $signed(x_i);
  assign lo_o = prod[PW-1:0];
  assign hi_o = prod[2*PW-1:PW] + PW'(prod[PW-1]);

endmodule
