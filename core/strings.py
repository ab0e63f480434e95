"""Core's sentences that are not errors: what the service tells about an utterance (``notice_…``) and
what every adapter says the same way, whatever the platform.

Where the platforms differ only in markup or in a word, the adapter passes that part as a parameter: a
name already marked up (``{name}``: ``“x”`` or ``**x**``), a command as the platform spells it
(``{command}``), the other platform's name (``{platform}``), or where it is (``{place}``: a ``place_…`` key of
its own catalog, said in the reader's language).
"""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    # --- where something applies, said inside other sentences (``place=``) -----------------------------
    "place_chat": {"en": "chat", "zh": "群", "ja": "チャット"},
    "place_server": {"en": "server", "zh": "服务器", "ja": "サーバー"},
    # --- notices the service puts on an utterance ---------------------------------------------------
    "notice_style_offline": {
        "en": "Note: the offline engine can't do speaking styles; your /style is ignored until a SiliconFlow key is used.",
        "zh": "提示：离线引擎不支持说话风格，在使用 SiliconFlow 密钥之前 /style 设置将被忽略。",
        "ja": "注意: オフラインエンジンは話し方（/style）に対応していないため、SiliconFlow のキーを使うまで無視されます。",
    },
    "notice_fallback": {
        "en": "The speech service is down, so this was spoken by the offline engine.",
        "zh": "语音服务暂时不可用，本条由离线引擎朗读。",
        "ja": "音声サービスが停止中のため、オフラインエンジンで読み上げました。",
    },
    "notice_voice_missing": {
        "en": "Your chosen voice no longer exists; the default voice was used. Pick another with /voices.",
        "zh": "你选择的音色已不存在，已改用默认音色。请用 /voices 重新选择。",
        "ja": "選んだ声はもう存在しないため、既定の声を使いました。/voices で選び直してください。",
    },
    # --- words and buttons --------------------------------------------------------------------------
    "value_none": {"en": "none", "zh": "无", "ja": "なし"},
    "button_cancel": {"en": "Cancel", "zh": "取消", "ja": "キャンセル"},
    "button_consent": {"en": "It's my voice / I have permission", "zh": "这是我的声音 / 我已获授权",
                       "ja": "自分の声です / 許可を得ています"},
    "button_delete_everything": {"en": "Delete everything", "zh": "全部删除", "ja": "すべて削除"},
    "button_link_accounts": {"en": "Link accounts", "zh": "关联账号", "ja": "連携する"},
    # --- voices -------------------------------------------------------------------------------------
    "voices_section_presets": {"en": "Preset voices", "zh": "预设音色", "ja": "プリセットの声"},
    "voices_section_clones": {"en": "Your clones", "zh": "你的克隆音色", "ja": "あなたのクローン"},
    "voices_section_shared": {
        "en": "Used by this {place}'s characters", "zh": "本{place}角色使用的音色", "ja": "この{place}のキャラクターの声",
    },
    "voice_chosen": {"en": "Your voice is now {name}.", "zh": "你的音色已改为{name}。", "ja": "声を{name}にしました。"},
    "voice_shared": {
        "en": "Others may now speak with “{name}” (through characters), on the key that made it.",
        "zh": "现在其他人可以（通过角色）使用“{name}”，费用由创建它的密钥承担。",
        "ja": "「{name}」を他の人も（キャラクターを通じて）使えるようになりました。作成したキーで支払われます。",
    },
    "voice_private": {
        "en": "Only you can speak with “{name}” now.",
        "zh": "现在只有你可以使用“{name}”。",
        "ja": "「{name}」を使えるのはあなただけになりました。",
    },
    "clone_working": {"en": "Cloning {name}…", "zh": "正在克隆{name}…", "ja": "{name}をクローンしています…"},
    # --- settings -----------------------------------------------------------------------------------
    "speed_set": {"en": "Speed: {value}×.", "zh": "语速已设为 {value}×。", "ja": "速さを {value}× にしました。"},
    "gain_set": {"en": "Gain: {value} dB.", "zh": "音量增益已设为 {value} dB。", "ja": "音量ゲインを {value} dB にしました。"},
    "language_set": {
        "en": "Speech language: {value}.", "zh": "朗读语言已设为 {value}。", "ja": "読み上げ言語を {value} にしました。",
    },
    "style_set": {"en": "Style: {value}.", "zh": "风格已设为“{value}”。", "ja": "スタイルを「{value}」にしました。"},
    "style_off": {"en": "Style turned off.", "zh": "已关闭说话风格。", "ja": "スタイルをオフにしました。"},
    "reply_language_set": {
        "en": "I'll reply in English.", "zh": "我会用中文回复你。", "ja": "これからは日本語で返信します。",
    },
    # --- pronunciations -----------------------------------------------------------------------------
    "pronunciation_set_for_all": {
        "en": "In this {place} I now read “{word}” as “{spoken}” for everyone (members' own entries still win).",
        "zh": "在本{place}中，“{word}”现在对所有人读作“{spoken}”（个人词典优先）。",
        "ja": "この{place}では全員について「{word}」を「{spoken}」と読みます（個人の辞書が優先）。",
    },
    "pronunciation_removed": {
        "en": "“{word}” is read as written again.",
        "zh": "“{word}”恢复按原文朗读。",
        "ja": "「{word}」は書かれたとおりに読みます。",
    },
    "pronunciations_none_yet": {"en": "none yet", "zh": "暂无", "ja": "まだありません"},
    # --- /key and /usage ----------------------------------------------------------------------------
    "key_none_operator": {"en": "none (the bot's own)", "zh": "无（使用机器人的密钥）", "ja": "なし（ボットのキーを使用）"},
    "key_none_to_clear": {"en": "You had no key set.", "zh": "你还没有设置密钥。", "ja": "キーは設定されていませんでした。"},
    "key_stranded_voices": {
        "en": " These voices were made with that key and can't be used or deleted at the provider until you set it "
              "again: {names}.",
        "zh": "以下音色是用该密钥创建的，在你重新设置它之前无法使用，也无法在服务商处删除：{names}。",
        "ja": "次の声はそのキーで作られたため、キーを再設定するまで使うことも提供元で削除することもできません: {names}。",
    },
    "usage_daily_limit": {
        "en": " ({used} of today's {limit} bytes on the bot's key)", "zh": "（今日使用机器人密钥 {used}/{limit} 字节）",
        "ja": "（本日ボットのキーで {used}/{limit} バイト）",
    },
    "usage_lent": {
        "en": "\nOthers spoke {today} bytes today ({total} in total) through your shared voices, on your key.",
        "zh": "\n他人今日通过你共享的音色、用你的密钥朗读了 {today} 字节（累计 {total}）。",
        "ja": "\n他の人があなたの共有した声で、あなたのキーを使い今日 {today} バイト（合計 {total}）読み上げました。",
    },
    # --- /forget ------------------------------------------------------------------------------------
    "forget_confirm": {
        "en": ("Delete everything I store about you — settings, API key, usage and your cloned voices "
               "(at the provider too)? This can't be undone."),
        "zh": "删除我保存的关于你的全部数据——设置、API 密钥、用量以及你的克隆音色（包括服务商处的）？此操作无法撤销。",
        "ja": "あなたについて保存しているもの（設定、API キー、使用量、クローンした声。サービス側も含む）をすべて削除しますか？元に戻せません。",
    },
    "forget_partial": {
        "en": "I couldn't delete these voices at the provider: {names}. Nothing else was deleted yet; "
              "please try /forget again later.",
        "zh": "无法在服务商处删除这些音色：{names}。其他数据暂未删除，请稍后再试 /forget。",
        "ja": "次の声を提供元で削除できませんでした: {names}。ほかのデータはまだ削除していません。"
              "後でもう一度 /forget をお試しください。",
    },
    "forget_abandoned_voices": {
        "en": "These voices could not be removed at the provider: {items}. You can delete them in your SiliconFlow "
              "account by these IDs.",
        "zh": "以下音色无法在服务商处删除：{items}。你可以凭这些 ID 在自己的 SiliconFlow 账户中删除。",
        "ja": "次の声は提供元で削除できませんでした: {items}。SiliconFlow のアカウントでこの ID を使って削除できます。",
    },
    "forget_why_key_gone": {"en": "the key that made it is no longer set", "zh": "创建它的密钥已不存在",
                            "ja": "作成に使ったキーがもうありません"},
    "forget_why_key_rejected": {"en": "the provider refused the key that made it", "zh": "服务商拒绝了创建它的密钥",
                                "ja": "作成に使ったキーを提供元が拒否しました"},
    # --- /link and /unlink --------------------------------------------------------------------------
    "link_code_shown": {
        "en": ("Your link code: {code} (valid once, for 10 minutes). Send {command} to me on {platform}: then both "
               "accounts share your voices, settings, dictionary and key. Don't show the code to anyone."),
        "zh": ("你的关联码：{code}（一次有效，10 分钟内）。在 {platform} 上向我发送 {command}，"
               "两个账号就会共用你的音色、设置、词典和密钥。不要把关联码给别人看。"),
        "ja": ("連携コード: {code}（1 回限り、10 分間有効）。{platform} で私に {command} を送ると、"
               "両方のアカウントで声・設定・辞書・キーを共有します。コードは誰にも見せないでください。"),
    },
    "link_status": {
        "en": "This account is linked with your {platforms} account. {command} separates them.",
        "zh": "此账号已与你的 {platforms} 账号关联。使用 {command} 可取消关联。",
        "ja": "このアカウントは {platforms} のアカウントと連携しています。{command} で解除できます。",
    },
    "not_linked": {
        "en": "This account isn't linked. {command} gives you a code to type on {platform}.",
        "zh": "此账号尚未关联。使用 {command} 获取可在 {platform} 上输入的关联码。",
        "ja": "このアカウントは連携していません。{command} で {platform} に入力するコードを受け取れます。",
    },
    "link_confirm_prompt": {
        "en": "Link this account with the {platform} account that showed this code? Both then share one set of "
              "voices, settings, dictionary and key. Only confirm if both accounts are yours: that account gets "
              "the use of {what}. /unlink gives each side back what it brought.",
        "zh": "要把此账号与显示该关联码的 {platform} 账号关联吗？之后两边共用同一套音色、设置、词典和密钥。"
              "只有两个账号都是你自己的才可确认：对方账号将可以使用{what}。/unlink 会把各自带来的内容归还。",
        "ja": "このアカウントを、コードを表示した {platform} のアカウントと連携しますか？以後、声・設定・辞書・キーを"
              "共有します。両方ともあなたのアカウントの場合だけ確認してください。相手のアカウントは{what}を使えるように"
              "なります。/unlink でそれぞれが持ち込んだものを戻せます。",
    },
    "link_shares_voices": {"en": "your voices {names}", "zh": "你的音色 {names}", "ja": "あなたの声 {names}"},
    "link_shares_key": {"en": "your API key {hint}", "zh": "你的 API 密钥 {hint}", "ja": "あなたの API キー {hint}"},
    "link_shares_pronunciations": {"en": "{count} pronunciations", "zh": "{count} 条发音词条", "ja": "発音 {count} 件"},
    "link_shares_nothing": {
        "en": "nothing of yours yet (you will use its voices and settings)",
        "zh": "你目前的内容（暂无；你将使用对方的音色和设置）",
        "ja": "あなたのもの（まだありません。相手の声と設定を使います）",
    },
    "link_cancelled": {"en": "Not linked; the code stays valid until it expires.",
                       "zh": "未关联；该关联码在过期前仍然有效。", "ja": "連携していません。コードは期限まで有効です。"},
    "link_done": {
        "en": "Linked with your {platform} account: the same voices, settings, dictionary and key on both.",
        "zh": "已与你的 {platform} 账号关联：两边使用相同的音色、设置、词典和密钥。",
        "ja": "{platform} のアカウントと連携しました。声・設定・辞書・キーは両方で共通です。",
    },
    "unlink_done": {
        "en": "Unlinked. Each account has back what it brought (voices, key, settings, dictionary); "
              "what was made while linked stays with the account that showed the code.",
        "zh": "已取消关联。两个账号各自取回关联时带来的内容（音色、密钥、设置、词典）；关联期间新建的内容留在显示关联码的账号。",
        "ja": "連携を解除しました。それぞれのアカウントに持ち込んだもの（声・キー・設定・辞書）を戻しました。"
              "連携中に作ったものはコードを表示した側に残ります。",
    },
}
