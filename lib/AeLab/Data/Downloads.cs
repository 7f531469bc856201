using System.Security.Cryptography;

namespace AeLab.Data;

/// <summary>Downloads a file once into a cache path, atomically, optionally verified by checksum.</summary>
public static class Downloads
{
    static readonly HttpClient Http = new() { Timeout = TimeSpan.FromMinutes(10) };

    /// <summary>Returns <paramref name="target"/>, downloading <paramref name="url"/> there first unless it already exists.</summary>
    public static string Fetch(Uri url, string target, string? sha256 = null, string? md5 = null)
    {
        if (File.Exists(target)) return target;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(target))!);
        string tmp = target + ".part";
        try
        {
            using (var response = Http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead).GetAwaiter().GetResult())
            {
                if (!response.IsSuccessStatusCode)
                    throw new IOException($"{url}: HTTP {(int)response.StatusCode} {response.ReasonPhrase}. Check the address (and the network), or put the file at {target} yourself.");
                using var body = response.Content.ReadAsStream();
                using var file = File.Create(tmp);
                body.CopyTo(file);
            }
            Verify(tmp, url, target, sha256, SHA256.HashData);
            Verify(tmp, url, target, md5, MD5.HashData);
            File.Move(tmp, target, overwrite: true);
            return target;
        }
        catch (HttpRequestException e)
        {
            throw new IOException($"{url}: download failed ({e.Message}). Without a network, put the file at {target} yourself.", e);
        }
        finally { if (File.Exists(tmp)) File.Delete(tmp); }
    }

    /// <summary>
    /// <paramref name="value"/> as an absolute http(s) URL; otherwise an error naming <paramref name="setting"/>
    /// (an argument, property or environment variable) and what it must look like.
    /// </summary>
    internal static Uri BaseUri(string value, string setting)
    {
        if (Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
            return uri;
        throw new SettingException(setting,
            $"{setting} is \"{value}\", which is not an http:// or https:// address. Set it to the server's base URL, e.g. https://example.org/mirror/.");
    }

    static void Verify(string tmp, Uri url, string target, string? expected, Func<Stream, byte[]> hash)
    {
        if (expected is null) return;
        using var s = File.OpenRead(tmp);
        string got = Convert.ToHexString(hash(s)).ToLowerInvariant();
        if (!string.Equals(got, expected, StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException($"{url}: checksum mismatch (got {got}, expected {expected}); the download is damaged or not the official file. Nothing was saved to {target}; try again.");
    }
}
