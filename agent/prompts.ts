/** What the agent itself says, per language (base language; English when missing). */
export interface Prompts {
  /** Test mode: greeting and PIN request. */
  pinRequest: string;
  pinWrong: string;
  pinOk: string;
  pinGoodbye: string;
  /** No dead air: the bot has not answered yet. */
  stillThere: string;
  /** A message could not be delivered to the bot. */
  deliveryFailed: string;
}

const PROMPTS: Record<string, Prompts> = {
  en: {
    pinRequest: "Welcome to the PhoneMyBot test line. Please enter the four digit PIN shown in your portal.",
    pinWrong: "That PIN is not right. Please try again.",
    pinOk: "Thank you. You are connected to your test chat.",
    pinGoodbye: "Sorry, that PIN is still not right. Goodbye.",
    stillThere: "One moment, please.",
    deliveryFailed: "Sorry, something went wrong. Please try again later.",
  },
  es: {
    pinRequest: "Bienvenido a la línea de prueba de PhoneMyBot. Introduzca el PIN de cuatro cifras que aparece en su portal.",
    pinWrong: "Ese PIN no es correcto. Inténtelo de nuevo.",
    pinOk: "Gracias. Está conectado a su chat de prueba.",
    pinGoodbye: "Lo siento, el PIN sigue sin ser correcto. Adiós.",
    stillThere: "Un momento, por favor.",
    deliveryFailed: "Lo siento, algo ha fallado. Inténtelo más tarde.",
  },
  fr: {
    pinRequest: "Bienvenue sur la ligne de test PhoneMyBot. Veuillez saisir le code PIN à quatre chiffres affiché dans votre portail.",
    pinWrong: "Ce code PIN n'est pas correct. Veuillez réessayer.",
    pinOk: "Merci. Vous êtes connecté à votre chat de test.",
    pinGoodbye: "Désolé, ce code PIN n'est toujours pas correct. Au revoir.",
    stillThere: "Un instant, s'il vous plaît.",
    deliveryFailed: "Désolé, un problème est survenu. Veuillez réessayer plus tard.",
  },
  de: {
    pinRequest: "Willkommen bei der PhoneMyBot-Testleitung. Bitte geben Sie die vierstellige PIN aus Ihrem Portal ein.",
    pinWrong: "Diese PIN ist nicht richtig. Bitte versuchen Sie es noch einmal.",
    pinOk: "Danke. Sie sind mit Ihrem Testchat verbunden.",
    pinGoodbye: "Diese PIN ist leider immer noch nicht richtig. Auf Wiederhören.",
    stillThere: "Einen Moment bitte.",
    deliveryFailed: "Entschuldigung, etwas ist schiefgegangen. Bitte versuchen Sie es später noch einmal.",
  },
  it: {
    pinRequest: "Benvenuto nella linea di prova di PhoneMyBot. Inserisca il PIN di quattro cifre mostrato nel portale.",
    pinWrong: "Il PIN non è corretto. Riprovi.",
    pinOk: "Grazie. È collegato alla chat di prova.",
    pinGoodbye: "Mi dispiace, il PIN non è ancora corretto. Arrivederci.",
    stillThere: "Un momento, per favore.",
    deliveryFailed: "Mi dispiace, qualcosa è andato storto. Riprovi più tardi.",
  },
  pt: {
    pinRequest: "Bem-vindo à linha de teste do PhoneMyBot. Introduza o PIN de quatro dígitos indicado no seu portal.",
    pinWrong: "Esse PIN não está correto. Tente novamente.",
    pinOk: "Obrigado. Está ligado ao seu chat de teste.",
    pinGoodbye: "Lamento, o PIN continua incorreto. Adeus.",
    stillThere: "Um momento, por favor.",
    deliveryFailed: "Lamento, algo correu mal. Tente mais tarde.",
  },
  nl: {
    pinRequest: "Welkom bij de testlijn van PhoneMyBot. Voer de viercijferige pincode uit uw portaal in.",
    pinWrong: "Die pincode klopt niet. Probeer het opnieuw.",
    pinOk: "Dank u. U bent verbonden met uw testchat.",
    pinGoodbye: "Helaas klopt de pincode nog steeds niet. Tot ziens.",
    stillThere: "Een ogenblik alstublieft.",
    deliveryFailed: "Sorry, er ging iets mis. Probeer het later opnieuw.",
  },
};

export function promptsFor(language: string): Prompts {
  return PROMPTS[language.split("-")[0]!.toLowerCase()] ?? PROMPTS.en!;
}

/** Languages with their own prompts (others fall back to English). */
export const PROMPT_LANGUAGES = Object.keys(PROMPTS);
