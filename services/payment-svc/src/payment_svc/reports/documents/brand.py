"""How payment-svc's documents (customer statements) look and whom they name as the sender.
Plain settings, apart from the renderer, so loading the settings never imports WeasyPrint."""

from pydantic import BaseModel, Field, FilePath


class StatementBrand(BaseModel):
    """The sender of customer statements: the company the accounts owe."""

    display_name: str = Field(
        "q2c", min_length=1, max_length=80, description="The wordmark (when there is no logo)."
    )
    legal_name: str | None = Field(
        None, description="The registered name printed as the sender; unset: the display name."
    )
    color: str = Field(
        "#1F4E79",
        pattern=r"^#(?:[0-9a-fA-F]{3}){1,2}$",
        description="Hex colour of the wordmark, headings and rules.",
    )
    logo_path: FilePath | None = Field(
        None,
        description="PNG, JPEG, GIF, WebP or SVG file, embedded in the document; unset: a text "
        "wordmark of the display name.",
    )
    address_lines: list[str] = Field(default_factory=list, examples=[["1 Market St"]])
    email: str | None = Field(
        None, description="Where customers ask about their statement (accounts receivable)."
    )
    payment_instructions: list[str] = Field(
        default_factory=list,
        description="How to pay, one line each (bank, IBAN, reference to quote); empty: none.",
        examples=[["Bank: First Bank", "IBAN: DE89 3704 0044 0532 0130 00"]],
    )
    footer: str | None = Field(
        None, description="Footer on every page; unset: the sender and the statement's period."
    )
