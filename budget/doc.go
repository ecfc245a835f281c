// Package budget is the process-wide budget of decoded pixel bytes that
// every image decode takes its memory from (orders.DecodeBudget).
package budget
