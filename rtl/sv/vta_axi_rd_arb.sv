// AXI4 read-channel arbiter: N read clients share one master port. A round-robin choice loads a
// registered AR stage (so AR stays stable until accepted); the client index is the AXI ID, and R beats
// are routed back by RID. Clients may each have several bursts in flight.
module vta_axi_rd_arb #(
  parameter int unsigned N = 5
) (
  input  logic                                  clk_i,
  input  logic                                  rst_ni,
  // Clients
  input  logic [N-1:0]                          c_ar_valid_i,
  output logic [N-1:0]                          c_ar_ready_o,
  input  logic [N*vta_pkg::AXI_ADDR_W-1:0]      c_ar_addr_i,  // client k at [k*AXI_ADDR_W +: AXI_ADDR_W]
  input  logic [N*8-1:0]                        c_ar_len_i,
  output logic [N-1:0]                          c_r_valid_o,
  input  logic [N-1:0]                          c_r_ready_i,
  // Master
  output logic                                  m_ar_valid_o,
  input  logic                                  m_ar_ready_i,
  output logic [vta_pkg::AXI_ID_W-1:0]          m_ar_id_o,
  output logic [vta_pkg::AXI_ADDR_W-1:0]        m_ar_addr_o,
  output logic [7:0]                            m_ar_len_o,
  input  logic                                  m_r_valid_i,
  output logic                                  m_r_ready_o,
  input  logic [vta_pkg::AXI_ID_W-1:0]          m_r_id_i
);

  localparam int unsigned IdxW = $clog2(N);

  logic valid_q, valid_d;
  logic [vta_pkg::AXI_ID_W-1:0] id_q, id_d;
  logic [vta_pkg::AXI_ADDR_W-1:0] addr_q, addr_d;
  logic [7:0] len_q, len_d;
  logic [IdxW-1:0] last_q, last_d, pick;
  logic found, load;

  // Round robin: the first valid client after the last one granted.
  always_comb begin
    found = 1'b0;
    pick = '0;
    for (int unsigned k = 1; k <= N; k++) begin
      if (!found && c_ar_valid_i[(32'(last_q) + k) % N]) begin
        found = 1'b1;
        pick = IdxW'((32'(last_q) + k) % N);
      end
    end
  end

  assign load = found && (!valid_q || m_ar_ready_i);

  always_comb begin
    c_ar_ready_o = '0;
    if (load) c_ar_ready_o[pick] = 1'b1;
  end

  always_comb begin
    valid_d = valid_q;
    id_d = id_q;
    addr_d = addr_q;
    len_d = len_q;
    last_d = last_q;
    if (valid_q && m_ar_ready_i) valid_d = 1'b0;
    if (load) begin
      valid_d = 1'b1;
      id_d = vta_pkg::AXI_ID_W'(pick);
      addr_d = c_ar_addr_i[32'(pick) * vta_pkg::AXI_ADDR_W +: vta_pkg::AXI_ADDR_W];
      len_d = c_ar_len_i[32'(pick) * 8 +: 8];
      last_d = pick;
    end
  end

  assign m_ar_valid_o = valid_q;
  assign m_ar_id_o = id_q;
  assign m_ar_addr_o = addr_q;
  assign m_ar_len_o = len_q;

  always_comb begin
    c_r_valid_o = '0;
    m_r_ready_o = 1'b0;
    for (int unsigned k = 0; k < N; k++) begin
      if (m_r_id_i == vta_pkg::AXI_ID_W'(k)) begin
        c_r_valid_o[k] = m_r_valid_i;
        m_r_ready_o = c_r_ready_i[k];
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      valid_q <= 1'b0;
      id_q <= '0;
      addr_q <= '0;
      len_q <= '0;
      last_q <= IdxW'(N - 1);
    end else begin
      valid_q <= valid_d;
      id_q <= id_d;
      addr_q <= addr_d;
      len_q <= len_d;
      last_q <= last_d;
    end
  end

endmodule
