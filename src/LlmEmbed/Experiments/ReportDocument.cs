using System.Net;
using System.Text;

namespace LlmEmbed.Experiments;

/// <summary>
/// A tiny document model rendered both as Markdown and as a self-contained HTML page, so the two reports always
/// carry the same tables.
/// </summary>
internal sealed class ReportDocument
{
    private abstract record Block;
    private sealed record Heading(int Level, string Text) : Block;
    private sealed record Paragraph(string Text) : Block;
    private sealed record Bullets(IReadOnlyList<string> Items) : Block;
    private sealed record Table(string? Caption, IReadOnlyList<string> Header, IReadOnlyList<IReadOnlyList<string>> Rows) : Block;
    private sealed record Image(string FileName, string Alt, byte[] Png) : Block;

    private readonly List<Block> _blocks = [];

    public string Title { get; }

    public ReportDocument(string title) => Title = title;

    public void AddHeading(int level, string text) => _blocks.Add(new Heading(level, text));
    public void AddParagraph(string text) => _blocks.Add(new Paragraph(text));
    public void AddBullets(IReadOnlyList<string> items) => _blocks.Add(new Bullets(items));

    public void AddTable(string? caption, IReadOnlyList<string> header, IReadOnlyList<IReadOnlyList<string>> rows)
    {
        foreach (var row in rows)
            if (row.Count != header.Count)
                throw new InvalidOperationException($"table '{caption}' row has {row.Count} cells for {header.Count} columns");
        _blocks.Add(new Table(caption, header, rows));
    }

    public void AddImage(string fileName, string alt, byte[] png) => _blocks.Add(new Image(fileName, alt, png));

    public string ToMarkdown()
    {
        var sb = new StringBuilder();
        sb.Append("# ").Append(Title).Append("\n\n");
        foreach (var block in _blocks)
        {
            switch (block)
            {
                case Heading h:
                    sb.Append(new string('#', h.Level + 1)).Append(' ').Append(h.Text).Append("\n\n");
                    break;
                case Paragraph p:
                    sb.Append(p.Text).Append("\n\n");
                    break;
                case Bullets b:
                    foreach (string item in b.Items) sb.Append("- ").Append(item).Append('\n');
                    sb.Append('\n');
                    break;
                case Table t:
                    if (t.Caption != null) sb.Append("**").Append(t.Caption).Append("**\n\n");
                    sb.Append("| ").Append(string.Join(" | ", t.Header.Select(MarkdownCell))).Append(" |\n");
                    sb.Append('|').Append(string.Join('|', t.Header.Select(_ => " --- "))).Append("|\n");
                    foreach (var row in t.Rows) sb.Append("| ").Append(string.Join(" | ", row.Select(MarkdownCell))).Append(" |\n");
                    sb.Append('\n');
                    break;
                case Image i:
                    sb.Append("![").Append(i.Alt).Append("](").Append(i.FileName).Append(")\n\n");
                    break;
            }
        }
        return sb.ToString();
    }

    public string ToHtml()
    {
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>").Append(Encode(Title)).Append("</title>\n");
        sb.Append("<style>\n")
          .Append("body{font-family:sans-serif;margin:2em;max-width:1200px;color:#222}\n")
          .Append("table{border-collapse:collapse;margin:0.5em 0 1.5em 0;font-size:0.9em}\n")
          .Append("th,td{border:1px solid #bbb;padding:3px 8px;text-align:right}\n")
          .Append("th:first-child,td:first-child{text-align:left}\n")
          .Append("th{background:#eee}\ncaption{font-weight:bold;text-align:left;padding:4px 0}\n")
          .Append("img{max-width:100%;border:1px solid #ddd}\n")
          .Append("</style>\n</head>\n<body>\n");
        sb.Append("<h1>").Append(Encode(Title)).Append("</h1>\n");
        foreach (var block in _blocks)
        {
            switch (block)
            {
                case Heading h:
                    int level = Math.Clamp(h.Level + 1, 2, 6);
                    sb.Append($"<h{level}>").Append(Encode(h.Text)).Append($"</h{level}>\n");
                    break;
                case Paragraph p:
                    sb.Append("<p>").Append(Encode(p.Text)).Append("</p>\n");
                    break;
                case Bullets b:
                    sb.Append("<ul>\n");
                    foreach (string item in b.Items) sb.Append("<li>").Append(Encode(item)).Append("</li>\n");
                    sb.Append("</ul>\n");
                    break;
                case Table t:
                    sb.Append("<table>\n");
                    if (t.Caption != null) sb.Append("<caption>").Append(Encode(t.Caption)).Append("</caption>\n");
                    sb.Append("<tr>");
                    foreach (string cell in t.Header) sb.Append("<th>").Append(Encode(cell)).Append("</th>");
                    sb.Append("</tr>\n");
                    foreach (var row in t.Rows)
                    {
                        sb.Append("<tr>");
                        foreach (string cell in row) sb.Append("<td>").Append(Encode(cell)).Append("</td>");
                        sb.Append("</tr>\n");
                    }
                    sb.Append("</table>\n");
                    break;
                case Image i:
                    // Embedded as a data URI so the page needs no other file.
                    sb.Append("<figure><img alt=\"").Append(Encode(i.Alt)).Append("\" src=\"data:image/png;base64,")
                      .Append(Convert.ToBase64String(i.Png)).Append("\"><figcaption>").Append(Encode(i.Alt)).Append("</figcaption></figure>\n");
                    break;
            }
        }
        sb.Append("</body>\n</html>\n");
        return sb.ToString();
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);

    private static string MarkdownCell(string text) => text.Replace("|", "\\|").Replace("\n", " ");
}
