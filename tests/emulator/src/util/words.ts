import { Dec } from './decimal';

const ONES = [
  'zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten',
  'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen',
];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];
const SCALES: [bigint, string][] = [
  [1_000_000_000_000n, 'trillion'],
  [1_000_000_000n, 'billion'],
  [1_000_000n, 'million'],
  [1_000n, 'thousand'],
];

/** English number words as num2words writes them ("one thousand, two hundred and eighty"). */
export function numberInWords(n: bigint): string {
  if (n < 0n) return `minus ${numberInWords(-n)}`;
  if (n < 20n) return ONES[Number(n)] ?? '';
  if (n < 100n) {
    const tens = TENS[Number(n / 10n)] ?? '';
    return n % 10n === 0n ? tens : `${tens}-${ONES[Number(n % 10n)] ?? ''}`;
  }
  if (n < 1000n) {
    const head = `${ONES[Number(n / 100n)] ?? ''} hundred`;
    return n % 100n === 0n ? head : `${head} and ${numberInWords(n % 100n)}`;
  }
  for (const [scale, word] of SCALES) {
    if (n >= scale) {
      const head = `${numberInWords(n / scale)} ${word}`;
      const rest = n % scale;
      if (rest === 0n) return head;
      return rest < 100n ? `${head} and ${numberInWords(rest)}` : `${head}, ${numberInWords(rest)}`;
    }
  }
  return String(n);
}

/** Python's str.title(): every letter after a non-letter is capitalised ("Twenty-One", "And"). */
function titleCase(s: string): string {
  return s.replace(/[A-Za-z]+/g, (w) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase());
}

/** frappe.utils.money_in_words: "EUR One Thousand, Two Hundred And Eighty only." */
export function moneyInWords(amount: number, currency: string, fractionCurrency = 'Cent'): string {
  const fixed = Dec.of(Math.abs(amount)).round(2).toString();
  const [main = '0', fracRaw = ''] = fixed.split('.');
  const fraction = fracRaw.padEnd(2, '0');
  let out: string;
  if (main === '0' && fraction === '00') out = `${currency} Zero`;
  else if (main === '0') out = `${titleCase(numberInWords(BigInt(fraction)))} ${fractionCurrency}`;
  else {
    out = `${currency} ${titleCase(numberInWords(BigInt(main)))}`;
    if (Number(fraction) !== 0) out += ` and ${titleCase(numberInWords(BigInt(fraction)))} ${fractionCurrency}`;
  }
  return `${out} only.`;
}
