// ALU datapath (combinational), element-wise over one accumulator row: MIN, MAX, ADD, SHR (a negative
// amount shifts left), MUL, CLIP, MOV, all wrapping at the accumulator width (docs/semantics.md).
// Each operation's logic sits in its own case branch, so a simulator evaluates only the selected one;
// the internals are not traced (the operands and the result are, in vta_compute).
/* verilator tracing_off */
module vta_alu_dp (
  input  logic [2:0]                       op_i,  // a vta_pkg::alu_op_e; other codes pass a_i through
  input  logic [vta_pkg::ACC_ROW_BITS-1:0] a_i,
  input  logic [vta_pkg::ACC_ROW_BITS-1:0] v_i,
  output logic [vta_pkg::ACC_ROW_BITS-1:0] y_o
);

  localparam int unsigned AW = vta_pkg::ACC_WIDTH;
  localparam int unsigned KW = vta_pkg::LOG_ACC_WIDTH + 1;
  localparam int unsigned N = vta_pkg::BATCH * vta_pkg::BLOCK_OUT;

  for (genvar e = 0; e < N; e++) begin : gen_e
    logic signed [AW-1:0] a, v, y, lo, hi;
    logic signed [KW-1:0] k;
    logic [KW-1:0] nk;

    assign a = $signed(a_i[e * AW +: AW]);
    assign v = $signed(v_i[e * AW +: AW]);

    always_comb begin
      k = '0;
      nk = '0;
      lo = '0;
      hi = '0;
      unique case (op_i)
        vta_pkg::ALU_MIN:  y = (a < v) ? a : v;
        vta_pkg::ALU_MAX:  y = (a < v) ? v : a;
        vta_pkg::ALU_ADD:  y = a + v;
        vta_pkg::ALU_SHR: begin
          // k >= 0 is at most ACC_WIDTH - 1 by its width; -k reaches ACC_WIDTH only for the most negative k.
          k = $signed(v[KW-1:0]);
          nk = KW'(0) - k;
          if (!k[KW-1]) y = a >>> k[KW-2:0];
          else if (nk >= KW'(AW)) y = '0;
          else y = a << nk;
        end
        vta_pkg::ALU_MUL:  y = a * v;
        vta_pkg::ALU_CLIP: begin
          lo = (v < ~v) ? v : ~v;
          hi = (v < ~v) ? ~v : v;
          y = (a < lo) ? lo : ((a > hi) ? hi : a);
        end
        vta_pkg::ALU_MOV:  y = v;
        default:           y = a;
      endcase
    end
    assign y_o[e * AW +: AW] = y;
  end

endmodule
