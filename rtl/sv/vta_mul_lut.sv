// Signed multiplier built from LUT logic (combinational): the shift-and-add form of a_i x b_i, which
// synthesis does not map to a DSP48 (a `*` would be). Two's complement: b = -b[BW-1] 2^(BW-1) +
// sum_{j<BW-1} b[j] 2^j, so the top partial product is subtracted.
module vta_mul_lut #(
  parameter int unsigned AW = 8,
  parameter int unsigned BW = 8,
  localparam int unsigned PW = AW + BW
) (
  input  logic [AW-1:0] a_i,
  input  logic [BW-1:0] b_i,
  output logic [PW-1:0] p_o
);

  logic signed [PW-1:0] a_ext;
  assign a_ext = PW'($signed(a_i));

  always_comb begin
    p_o = '0;
    for (int unsigned j = 0; j < BW - 1; j++) p_o = p_o + ((a_ext << j) & {PW{b_i[j]}});
    p_o = p_o - ((a_ext << (BW - 1)) & {PW{b_i[BW-1]}});
  end

endmodule
