/**
 * The add-on's Select fields show accountants words ("Pending Approval"); the sidecar's domain uses
 * snake_case values ("pending_approval"). The rule between them is fixed, so that no table of
 * labels has to be kept in step with the DocType JSON: words are title-cased and joined by spaces.
 */
export function toSelectOption(value: string): string {
  return value
    .split('_')
    .map((word) => (word === '' ? word : word.charAt(0).toUpperCase() + word.slice(1)))
    .join(' ');
}

export function fromSelectOption(option: string): string {
  return option.trim().toLowerCase().replace(/[\s-]+/g, '_');
}
