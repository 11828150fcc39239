import { localDateText, ticketCountText, type ExpiryReminder, type TicketUnit } from '../domain';

/**
 * What a member is told before tickets expire. French first (the places are French), the English
 * below it in the same message, as the member's language is not known to the ERP.
 */
export function reminderText(reminder: Pick<ExpiryReminder, 'packType' | 'tickets' | 'expiresOn' | 'daysLeft'>, unit: TicketUnit | undefined): { subject: string; body: string } {
  const date = (lang: 'fr' | 'en') => localDateText(reminder.expiresOn, lang);
  const amount = (lang: 'fr' | 'en') => ticketCountText(reminder.tickets, unit, lang);
  const left = reminder.daysLeft === 1 ? "aujourd'hui est le dernier jour" : `il reste ${String(reminder.daysLeft)} jours`;
  const leftEn = reminder.daysLeft === 1 ? 'today is the last day' : `${String(reminder.daysLeft)} days left`;
  return {
    subject: `Vos tickets « ${reminder.packType} » expirent le ${date('fr')}`,
    body: [
      `Bonjour,`,
      ``,
      `${amount('fr')} de votre carnet « ${reminder.packType} » expirent le ${date('fr')} (${left}). Réservez avant cette date pour les utiliser.`,
      ``,
      `${amount('en')} of your pack "${reminder.packType}" expire on ${date('en')} (${leftEn}). Book before then to use them.`,
    ].join('\n'),
  };
}
