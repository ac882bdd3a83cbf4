/** What the agent itself says, per language (base language; every language of protocol/languages.ts has its own). */
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
  /** Silence reprompt (conversation settings), when the service has none of its own. */
  reprompt: string;
  /** The recognizer was not sure what the caller said (no match). */
  noMatch: string;
  /** The bot has not answered for too long (`botGiveUpSeconds`). */
  botGiveUp: string;
}

const PROMPTS: Record<string, Prompts> = {
  en: {
    pinRequest: "Welcome to the PhoneMyBot test line. Please enter the four digit PIN shown in your portal.",
    pinWrong: "That PIN is not right. Please try again.",
    pinOk: "Thank you. You are connected to your test chat.",
    pinGoodbye: "Sorry, that PIN is still not right. Goodbye.",
    stillThere: "One moment, please.",
    deliveryFailed: "Sorry, something went wrong. Please try again later.",
    reprompt: "Are you still there?",
    noMatch: "Sorry, I didn't catch that. Could you say it again?",
    botGiveUp: "Sorry, we cannot answer right now. Please call again later.",
  },
  es: {
    pinRequest: "Bienvenido a la línea de prueba de PhoneMyBot. Introduzca el PIN de cuatro cifras que aparece en su portal.",
    pinWrong: "Ese PIN no es correcto. Inténtelo de nuevo.",
    pinOk: "Gracias. Está conectado a su chat de prueba.",
    pinGoodbye: "Lo siento, el PIN sigue sin ser correcto. Adiós.",
    stillThere: "Un momento, por favor.",
    deliveryFailed: "Lo siento, algo ha fallado. Inténtelo más tarde.",
    reprompt: "¿Sigue ahí?",
    noMatch: "Perdone, no le he entendido. ¿Puede repetirlo?",
    botGiveUp: "Lo siento, ahora no podemos atenderle. Llame más tarde.",
  },
  fr: {
    pinRequest: "Bienvenue sur la ligne de test PhoneMyBot. Veuillez saisir le code PIN à quatre chiffres affiché dans votre portail.",
    pinWrong: "Ce code PIN n'est pas correct. Veuillez réessayer.",
    pinOk: "Merci. Vous êtes connecté à votre chat de test.",
    pinGoodbye: "Désolé, ce code PIN n'est toujours pas correct. Au revoir.",
    stillThere: "Un instant, s'il vous plaît.",
    deliveryFailed: "Désolé, un problème est survenu. Veuillez réessayer plus tard.",
    reprompt: "Êtes-vous toujours là ?",
    noMatch: "Désolé, je n'ai pas compris. Pouvez-vous répéter ?",
    botGiveUp: "Désolé, nous ne pouvons pas répondre pour le moment. Veuillez rappeler plus tard.",
  },
  de: {
    pinRequest: "Willkommen bei der PhoneMyBot-Testleitung. Bitte geben Sie die vierstellige PIN aus Ihrem Portal ein.",
    pinWrong: "Diese PIN ist nicht richtig. Bitte versuchen Sie es noch einmal.",
    pinOk: "Danke. Sie sind mit Ihrem Testchat verbunden.",
    pinGoodbye: "Diese PIN ist leider immer noch nicht richtig. Auf Wiederhören.",
    stillThere: "Einen Moment bitte.",
    deliveryFailed: "Entschuldigung, etwas ist schiefgegangen. Bitte versuchen Sie es später noch einmal.",
    reprompt: "Sind Sie noch da?",
    noMatch: "Entschuldigung, das habe ich nicht verstanden. Können Sie das wiederholen?",
    botGiveUp: "Entschuldigung, wir können gerade nicht antworten. Bitte rufen Sie später noch einmal an.",
  },
  it: {
    pinRequest: "Benvenuto nella linea di prova di PhoneMyBot. Inserisca il PIN di quattro cifre mostrato nel portale.",
    pinWrong: "Il PIN non è corretto. Riprovi.",
    pinOk: "Grazie. È collegato alla chat di prova.",
    pinGoodbye: "Mi dispiace, il PIN non è ancora corretto. Arrivederci.",
    stillThere: "Un momento, per favore.",
    deliveryFailed: "Mi dispiace, qualcosa è andato storto. Riprovi più tardi.",
    reprompt: "È ancora in linea?",
    noMatch: "Mi scusi, non ho capito. Può ripetere?",
    botGiveUp: "Mi dispiace, al momento non possiamo rispondere. Richiami più tardi.",
  },
  pt: {
    pinRequest: "Bem-vindo à linha de teste do PhoneMyBot. Introduza o PIN de quatro dígitos indicado no seu portal.",
    pinWrong: "Esse PIN não está correto. Tente novamente.",
    pinOk: "Obrigado. Está ligado ao seu chat de teste.",
    pinGoodbye: "Lamento, o PIN continua incorreto. Adeus.",
    stillThere: "Um momento, por favor.",
    deliveryFailed: "Lamento, algo correu mal. Tente mais tarde.",
    reprompt: "Ainda está aí?",
    noMatch: "Desculpe, não percebi. Pode repetir?",
    botGiveUp: "Lamento, de momento não conseguimos responder. Ligue mais tarde.",
  },
  nl: {
    pinRequest: "Welkom bij de testlijn van PhoneMyBot. Voer de viercijferige pincode uit uw portaal in.",
    pinWrong: "Die pincode klopt niet. Probeer het opnieuw.",
    pinOk: "Dank u. U bent verbonden met uw testchat.",
    pinGoodbye: "Helaas klopt de pincode nog steeds niet. Tot ziens.",
    stillThere: "Een ogenblik alstublieft.",
    deliveryFailed: "Sorry, er ging iets mis. Probeer het later opnieuw.",
    reprompt: "Bent u er nog?",
    noMatch: "Sorry, dat heb ik niet verstaan. Kunt u het herhalen?",
    botGiveUp: "Sorry, we kunnen nu niet antwoorden. Bel later nog eens.",
  },
  sv: {
    pinRequest: "Välkommen till PhoneMyBots testlinje. Ange den fyrsiffriga PIN-koden som visas i din portal.",
    pinWrong: "Den PIN-koden stämmer inte. Försök igen.",
    pinOk: "Tack. Du är ansluten till din testchatt.",
    pinGoodbye: "Tyvärr stämmer PIN-koden fortfarande inte. Hej då.",
    stillThere: "Ett ögonblick, tack.",
    deliveryFailed: "Tyvärr gick något fel. Försök igen senare.",
    reprompt: "Är du kvar?",
    noMatch: "Förlåt, det uppfattade jag inte. Kan du säga det igen?",
    botGiveUp: "Tyvärr kan vi inte svara just nu. Ring gärna igen senare.",
  },
  da: {
    pinRequest: "Velkommen til PhoneMyBots testlinje. Indtast den firecifrede pinkode, der vises i din portal.",
    pinWrong: "Den pinkode er ikke rigtig. Prøv igen.",
    pinOk: "Tak. Du er forbundet til din testchat.",
    pinGoodbye: "Desværre er pinkoden stadig ikke rigtig. Farvel.",
    stillThere: "Et øjeblik, tak.",
    deliveryFailed: "Beklager, noget gik galt. Prøv igen senere.",
    reprompt: "Er du der stadig?",
    noMatch: "Undskyld, det fangede jeg ikke. Kan du sige det igen?",
    botGiveUp: "Beklager, vi kan ikke svare lige nu. Ring venligst igen senere.",
  },
  nb: {
    pinRequest: "Velkommen til PhoneMyBots testlinje. Tast inn den firesifrede PIN-koden som vises i portalen din.",
    pinWrong: "Den PIN-koden er ikke riktig. Prøv igjen.",
    pinOk: "Takk. Du er koblet til testchatten din.",
    pinGoodbye: "Beklager, PIN-koden er fortsatt ikke riktig. Ha det.",
    stillThere: "Et øyeblikk, takk.",
    deliveryFailed: "Beklager, noe gikk galt. Prøv igjen senere.",
    reprompt: "Er du der fortsatt?",
    noMatch: "Beklager, det fikk jeg ikke med meg. Kan du si det igjen?",
    botGiveUp: "Beklager, vi kan ikke svare akkurat nå. Ring gjerne igjen senere.",
  },
  pl: {
    pinRequest: "Witamy na linii testowej PhoneMyBot. Wprowadź czterocyfrowy PIN widoczny w portalu.",
    pinWrong: "Ten PIN jest nieprawidłowy. Spróbuj ponownie.",
    pinOk: "Dziękujemy. Połączono z czatem testowym.",
    pinGoodbye: "Niestety PIN nadal jest nieprawidłowy. Do widzenia.",
    stillThere: "Chwileczkę, proszę.",
    deliveryFailed: "Przepraszamy, coś poszło nie tak. Spróbuj ponownie później.",
    reprompt: "Czy nadal jesteś na linii?",
    noMatch: "Przepraszam, nie zrozumiałem. Czy możesz powtórzyć?",
    botGiveUp: "Przepraszamy, nie możemy teraz odpowiedzieć. Zadzwoń ponownie później.",
  },
  tr: {
    pinRequest: "PhoneMyBot test hattına hoş geldiniz. Lütfen portalınızda gösterilen dört haneli PIN kodunu girin.",
    pinWrong: "Bu PIN doğru değil. Lütfen tekrar deneyin.",
    pinOk: "Teşekkürler. Test sohbetinize bağlandınız.",
    pinGoodbye: "Üzgünüz, PIN hâlâ doğru değil. Hoşça kalın.",
    stillThere: "Bir dakika lütfen.",
    deliveryFailed: "Üzgünüz, bir sorun oluştu. Lütfen daha sonra tekrar deneyin.",
    reprompt: "Hâlâ orada mısınız?",
    noMatch: "Üzgünüm, anlayamadım. Tekrar söyler misiniz?",
    botGiveUp: "Üzgünüz, şu anda yanıt veremiyoruz. Lütfen daha sonra tekrar arayın.",
  },
  ru: {
    pinRequest: "Добро пожаловать на тестовую линию PhoneMyBot. Введите четырёхзначный PIN-код из вашего портала.",
    pinWrong: "Этот PIN-код неверный. Попробуйте ещё раз.",
    pinOk: "Спасибо. Вы подключены к тестовому чату.",
    pinGoodbye: "К сожалению, PIN-код всё ещё неверный. До свидания.",
    stillThere: "Одну минуту, пожалуйста.",
    deliveryFailed: "Извините, что-то пошло не так. Попробуйте позже.",
    reprompt: "Вы ещё на линии?",
    noMatch: "Извините, я не расслышал. Повторите, пожалуйста.",
    botGiveUp: "Извините, сейчас мы не можем ответить. Пожалуйста, перезвоните позже.",
  },
  uk: {
    pinRequest: "Ласкаво просимо на тестову лінію PhoneMyBot. Введіть чотиризначний PIN-код із вашого порталу.",
    pinWrong: "Цей PIN-код неправильний. Спробуйте ще раз.",
    pinOk: "Дякуємо. Вас підключено до тестового чату.",
    pinGoodbye: "На жаль, PIN-код усе ще неправильний. До побачення.",
    stillThere: "Хвилинку, будь ласка.",
    deliveryFailed: "Вибачте, щось пішло не так. Спробуйте пізніше.",
    reprompt: "Ви ще на лінії?",
    noMatch: "Вибачте, я не розчув. Повторіть, будь ласка.",
    botGiveUp: "Вибачте, зараз ми не можемо відповісти. Будь ласка, зателефонуйте пізніше.",
  },
  hi: {
    pinRequest: "PhoneMyBot टेस्ट लाइन पर आपका स्वागत है। कृपया अपने पोर्टल में दिखाया गया चार अंकों का PIN डालें।",
    pinWrong: "यह PIN सही नहीं है। कृपया फिर से कोशिश करें।",
    pinOk: "धन्यवाद। आप अपनी टेस्ट चैट से जुड़ गए हैं।",
    pinGoodbye: "माफ़ कीजिए, PIN अब भी सही नहीं है। नमस्ते।",
    stillThere: "कृपया एक क्षण रुकें।",
    deliveryFailed: "माफ़ कीजिए, कुछ गड़बड़ हो गई। कृपया बाद में फिर कोशिश करें।",
    reprompt: "क्या आप अभी भी लाइन पर हैं?",
    noMatch: "माफ़ कीजिए, मैं समझ नहीं पाया। क्या आप फिर से कह सकते हैं?",
    botGiveUp: "माफ़ कीजिए, अभी हम जवाब नहीं दे पा रहे हैं। कृपया बाद में फिर कॉल करें।",
  },
  ja: {
    pinRequest: "PhoneMyBotのテスト回線へようこそ。ポータルに表示されている4桁のPINを入力してください。",
    pinWrong: "PINが正しくありません。もう一度お試しください。",
    pinOk: "ありがとうございます。テストチャットに接続しました。",
    pinGoodbye: "申し訳ありませんが、PINがまだ正しくありません。失礼します。",
    stillThere: "少々お待ちください。",
    deliveryFailed: "申し訳ありません、問題が発生しました。後ほどもう一度お試しください。",
    reprompt: "まだお電話口にいらっしゃいますか?",
    noMatch: "申し訳ありません、聞き取れませんでした。もう一度おっしゃっていただけますか?",
    botGiveUp: "申し訳ありません、ただいま応答できません。後ほどおかけ直しください。",
  },
  ko: {
    pinRequest: "PhoneMyBot 테스트 회선에 오신 것을 환영합니다. 포털에 표시된 네 자리 PIN을 입력해 주세요.",
    pinWrong: "PIN이 올바르지 않습니다. 다시 시도해 주세요.",
    pinOk: "감사합니다. 테스트 채팅에 연결되었습니다.",
    pinGoodbye: "죄송합니다. PIN이 여전히 올바르지 않습니다. 안녕히 계세요.",
    stillThere: "잠시만 기다려 주세요.",
    deliveryFailed: "죄송합니다. 문제가 발생했습니다. 나중에 다시 시도해 주세요.",
    reprompt: "아직 통화 중이신가요?",
    noMatch: "죄송합니다. 잘 듣지 못했습니다. 다시 말씀해 주시겠어요?",
    botGiveUp: "죄송합니다. 지금은 응답할 수 없습니다. 나중에 다시 전화해 주세요.",
  },
  zh: {
    pinRequest: "欢迎致电 PhoneMyBot 测试线路。请输入门户中显示的四位数 PIN 码。",
    pinWrong: "PIN 码不正确，请重试。",
    pinOk: "谢谢。您已接入测试聊天。",
    pinGoodbye: "抱歉，PIN 码仍然不正确。再见。",
    stillThere: "请稍等。",
    deliveryFailed: "抱歉，出了点问题。请稍后再试。",
    reprompt: "您还在吗？",
    noMatch: "抱歉，我没有听清。您能再说一遍吗？",
    botGiveUp: "抱歉，我们现在无法回答。请稍后再拨。",
  },
};

/** Norwegian is stored as `nb-NO`; `no` names the same prompts. */
export function promptsFor(language: string): Prompts {
  const base = language.split("-")[0]!.toLowerCase();
  return PROMPTS[base === "no" ? "nb" : base] ?? PROMPTS.en!;
}

/** Languages with their own prompts (others fall back to English). */
export const PROMPT_LANGUAGES = Object.keys(PROMPTS);
