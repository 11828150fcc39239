import type { Principal } from '../booking/contract';
import type { Bilingual, Cents } from '../domain';

/**
 * What the HTTP layer asks of a place's money flows, and what it gets back. Every amount here was read from an
 * ERP document (in integer cents), never worked out by the sidecar: totals, taxes and what is outstanding are the
 * ERP's.
 */

export interface DocumentLineView {
  itemCode: string;
  uom: string;
  qty: number;
  rate: Cents;
  amount: Cents;
  description: string | null;
}

export interface PaymentRequestView {
  name: string;
  status: string;
  amount: Cents;
  outstanding: Cents;
  /** The online checkout, on a site with a payment gateway; null on a site without one. */
  paymentUrl: string | null;
}

export interface DocumentView {
  kind: 'invoice' | 'credit_note';
  name: string;
  /** The ERP's status: Draft, Unpaid, Partly Paid, Paid, Overdue, Return, Credit Note Issued, Cancelled… */
  status: string;
  docstatus: 0 | 1 | 2;
  postingDate: string | null;
  currency: string;
  /** The credit note's original invoice. */
  returnAgainst: string | null;
  /** Sum of the rows (rate × qty), before taxes unless the ERP's prices include them. */
  lines: Cents;
  taxes: Cents;
  /** What the document asks in all (negative for a credit note). */
  total: Cents;
  /** What is still owed on it: positive to pay, negative for the place to pay back. */
  outstanding: Cents;
  rows: DocumentLineView[];
  paymentRequests: PaymentRequestView[];
}

export interface BookingDocumentsView {
  bookingId: string;
  erpName: string | null;
  currency: string;
  documents: DocumentView[];
  /** Still to pay on the submitted documents, and still to be paid back by the place. */
  toPay: Cents;
  toRefund: Cents;
}

export interface PaymentStartView {
  bookingId: string;
  /** redirect: go to paymentUrl; offline: pay on site or by transfer against the invoice; nothing_due: all paid. */
  next: 'redirect' | 'offline' | 'nothing_due';
  paymentUrl: string | null;
  paymentRequest: string | null;
  amount: Cents;
  currency: string;
  invoice: DocumentView;
  instructions: Bilingual | null;
}

export interface PostPaidReport {
  month: string;
  invoices: { customer: string; invoice: string; bookings: string[]; created: boolean }[];
  /** Customers with nothing left to bill for the month (all billed already, or only free cancellations). */
  alreadyBilled: string[];
  /** Bookings that could not be billed, with why (a booking without lines in the ERP, say). */
  skipped: { booking: string; reason: string }[];
}

export interface MoneyService {
  /** The member chooses to pay: the invoice is submitted and a payment request made; where to pay comes back. */
  startPayment(principal: Principal, bookingId: string): Promise<PaymentStartView>;
  /** A booking's invoices and credit notes as the ERP has them. */
  documents(principal: Principal, bookingId: string): Promise<BookingDocumentsView>;
  /** Managers: payment taken at the desk, recorded as a Payment Entry for what the booking's invoice still owes. */
  recordDeskPayment(principal: Principal, bookingId: string, input: { modeOfPayment?: string; reference?: string }): Promise<BookingDocumentsView>;
  /** Managers: the money owed back to the member was paid: a Payment Entry of type Pay for it. */
  recordRefund(principal: Principal, bookingId: string, input: { modeOfPayment?: string; reference?: string }): Promise<BookingDocumentsView>;
  /** Managers: the post-paid invoices of a month, now (it also runs by itself on the invoicing day). */
  invoicePostPaid(principal: Principal, month: string): Promise<PostPaidReport>;
}
