using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace AeLab.Training;

/// <summary>
/// The file side of an atomic save: a hidden temporary beside the target, unique to each save (two threads or
/// processes saving one path never share it), renamed over the target and made durable (the file is flushed to disk
/// before the rename, its folder after it); temporaries left by a process that died mid-save are removed by the next
/// save of that path; an error is classified by its cause (read-only file system, no permission, disk full).
/// </summary>
internal static class AtomicFile
{
    static long _saves;

    /// <summary>".&lt;name&gt;.&lt;pid&gt;-&lt;n&gt;.tmp" beside <paramref name="full"/>: the process id lets a later save tell a dead
    /// writer's leftover from a live one's; n tells this process's saves apart.</summary>
    public static string TempFor(string full) => Path.Combine(Path.GetDirectoryName(full)!,
        $".{Path.GetFileName(full)}.{Environment.ProcessId}-{Interlocked.Increment(ref _saves)}.tmp");

    /// <summary>Deletes temporaries of <paramref name="full"/> (this format, and the older ".&lt;name&gt;.&lt;pid&gt;.tmp") whose
    /// process no longer runs. Best effort: one that cannot be deleted stays, and the save goes on.</summary>
    public static void RemoveStale(string full)
    {
        var dir = Path.GetDirectoryName(full)!;
        var pattern = new Regex($@"^\.{Regex.Escape(Path.GetFileName(full))}\.(\d+)(?:-\d+)?\.tmp$");
        IEnumerable<string> candidates;
        try { candidates = Directory.EnumerateFiles(dir, $".{Path.GetFileName(full)}.*.tmp").ToList(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return; }
        foreach (var temp in candidates)
        {
            var m = pattern.Match(Path.GetFileName(temp));
            if (!m.Success || !int.TryParse(m.Groups[1].Value, out int pid) || pid == Environment.ProcessId || Running(pid)) continue;
            DeleteQuietly(temp);
        }
    }

    static bool Running(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException) { return false; }
    }

    public static void DeleteQuietly(string temp)
    {
        try { File.Delete(temp); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* the caller's error matters more */ }
    }

    /// <summary>Renames <paramref name="temp"/> (already flushed to disk) over <paramref name="full"/>, then flushes the folder,
    /// so that after a power cut the name points at the new file and not at nothing.</summary>
    public static void Replace(string temp, string full)
    {
        File.Move(temp, full, overwrite: true);
        SyncFolder(Path.GetDirectoryName(full)!);
    }

    // .NET cannot open a folder, so fsync goes through libc. Windows needs nothing here (NTFS journals its renames);
    // a file system that refuses fsync on a folder (some network ones) leaves the rename as durable as it can be.
    // Returns whether the folder was flushed.
    internal static bool SyncFolder(string dir)
    {
        if (OperatingSystem.IsWindows()) return false;
        try
        {
            int fd = open(dir, 0 /* O_RDONLY */);
            if (fd < 0) return false;
            bool done = fsync(fd) == 0;
            close(fd);
            return done;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return false; }
    }

    [DllImport("libc", SetLastError = true)] static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);
    [DllImport("libc", SetLastError = true)] static extern int fsync(int fd);
    [DllImport("libc")] static extern int close(int fd);

    /// <summary>Why a write failed, from the exception's type and error code (errno on Unix, a Win32 code on Windows).</summary>
    public static WriteFailure Cause(Exception e)
    {
        if (e is UnauthorizedAccessException) return WriteFailure.NoPermission;
        if (e is not IOException) return WriteFailure.Other;
        int code = e.HResult;
        if (OperatingSystem.IsWindows())
            return (code & 0xFFFF) switch
            {
                19 => WriteFailure.ReadOnly,                 // ERROR_WRITE_PROTECT
                39 or 112 => WriteFailure.DiskFull,          // ERROR_HANDLE_DISK_FULL, ERROR_DISK_FULL
                5 => WriteFailure.NoPermission,              // ERROR_ACCESS_DENIED
                _ => WriteFailure.Other,
            };
        return code switch
        {
            30 => WriteFailure.ReadOnly,                                        // EROFS
            28 => WriteFailure.DiskFull,                                        // ENOSPC
            122 when OperatingSystem.IsLinux() => WriteFailure.DiskFull,        // EDQUOT
            69 when OperatingSystem.IsMacOS() => WriteFailure.DiskFull,         // EDQUOT
            13 or 1 => WriteFailure.NoPermission,                               // EACCES, EPERM
            _ => WriteFailure.Other,
        };
    }
}

/// <summary>What stopped a write, as far as the error says.</summary>
internal enum WriteFailure { Other, ReadOnly, NoPermission, DiskFull }
