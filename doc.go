// Package oshigoods holds what every part of the system shares: the one
// error type with a public message and a code. The order domain lives in
// package orders, the renderers in package render and its subpackages, the
// asynq task handlers in package worker, and cmd/oshigoods wires them.
package oshigoods
