// Package stripepay takes card (and konbini) payments through Stripe
// Checkout: it implements orders.PaymentProvider, opening a hosted Checkout
// Session for an order and reading Stripe's signed webhook events about it.
package stripepay
