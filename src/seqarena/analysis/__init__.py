"""Analysis layer: theory computed, probes measured, scaling curves, gradient flow.

Each analysis returns flat rows plus a JSON envelope (`analysis.common.envelope`) that the report
layer reads from `<out>/<kind>.json`; the schemas are in ARCHITECTURE.md."""
